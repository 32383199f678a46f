#include "azure/directory_objects_client.hpp"

#include "azure/entra_audit_parse.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view what = "graph getByIds";

// Graph's error, and for a 403 the permission to grant: where the credential lacks it, the
// log says why (issue 6 §2).
error lookup_error(int status, std::string_view body, std::string_view request) {
  return graph_refusal(status, body, request,
                       fmt::format("{} (or {})", directory_read_permission, directory_read_alternative),
                       ", to see principal display names");
}

// The GUIDs of `ids`, canonical and each once, in first-seen order.
std::vector<std::string> sendable(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!is_guid(id)) {
      continue;
    }
    auto canonical = normalize_guid(id);
    if (seen.insert(canonical).second) {
      out.push_back(std::move(canonical));
    }
  }
  return out;
}

}  // namespace

directory_objects_client::directory_objects_client(net::https_client& http, auth::token_cache& tokens,
                                                   directory_objects_options options, rng& random, const clock& wall)
    : options_(std::move(options)),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "client-request-id", lookup_error, options_.observer},
           random, wall) {
  options_.ids_per_request = std::clamp<std::size_t>(options_.ids_per_request, 1, max_ids_per_request);
}

awaitable<result<net::response>> directory_objects_client::post(const std::vector<std::string>& chunk,
                                                                std::size_t index) {
  const std::string context = fmt::format("request {}", index + 1);
  net::request req;
  req.method = "POST";
  req.url = directory_objects_url(options_.base);
  req.what = std::string(what);
  req.body = directory_objects_body(chunk);
  auto res = co_await api_.send(std::move(req));
  if (!res) {
    co_return with_context(res.error(), context);
  }
  if (res->status < 200 || res->status >= 300) {
    co_return with_context(api_.refusal(*res, what), context);
  }
  co_return std::move(*res);
}

awaitable<result<std::vector<directory_object>>> directory_objects_client::get_by_ids(std::vector<std::string> ids) {
  const auto wanted = sendable(ids);
  std::vector<directory_object> found;
  const std::size_t per = options_.ids_per_request;
  for (std::size_t start = 0, index = 0; start < wanted.size(); start += per, ++index) {
    const auto end = wanted.begin() + static_cast<std::ptrdiff_t>(std::min(wanted.size(), start + per));
    const std::vector<std::string> chunk(wanted.begin() + static_cast<std::ptrdiff_t>(start), end);
    auto res = co_await post(chunk, index);
    if (!res) {
      co_return res.error();
    }
    auto parsed = parse_directory_objects(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("request {}", index + 1));
    }
    for (auto& o : parsed->objects) {
      found.push_back(std::move(o));
    }
  }
  co_return found;
}

}  // namespace rootwatch::azure
