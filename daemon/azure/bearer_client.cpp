#include "azure/bearer_client.hpp"

#include "auth/token_cache.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "net/https_client.hpp"

namespace rootwatch::azure {

bearer_client::bearer_client(net::https_client& http, auth::token_cache& tokens, bearer_options options, rng& random,
                             const clock& wall)
    : http_(http), tokens_(tokens), options_(std::move(options)), random_(random), clock_(wall) {}

awaitable<result<net::response>> bearer_client::send(net::request req) {
  for (int auth_attempt = 0;; ++auth_attempt) {
    auto token = co_await tokens_.get(options_.scope);
    if (!token) {
      co_return token.error();
    }
    net::request attempt = req;
    attempt.timeout = options_.timeout;
    attempt.headers = {{"Authorization", "Bearer " + *token},
                       {"Accept", "application/json"},
                       {options_.request_id_header, random_uuid(random_)}};
    if (!attempt.body.empty()) {
      attempt.headers.push_back({"Content-Type", "application/json"});
    }
    auto res = co_await http_.send_with_retry(std::move(attempt), options_.retry, options_.observer.get());
    if (!res) {
      co_return res.error();
    }
    if (res->status == 401 && auth_attempt == 0) {
      tokens_.invalidate(options_.scope);
      continue;
    }
    co_return std::move(*res);
  }
}

awaitable<result<net::response>> bearer_client::get(std::string url, std::string what) {
  net::request req;
  req.url = std::move(url);
  req.what = what;
  auto res = co_await send(std::move(req));
  if (!res) {
    co_return res.error();
  }
  if (res->status < 200 || res->status >= 300) {
    co_return refusal(*res, what);
  }
  co_return std::move(*res);
}

error bearer_client::refusal(const net::response& res, std::string_view what) const {
  auto e = options_.to_error(res.status, res.body, what);
  if (res.header_value("Retry-After")) {
    e.retry_after = retry_after(res);
  }
  return e;
}

void bearer_client::throttled(milliseconds wait) {
  if (options_.observer) {
    options_.observer->throttled(wait);
  }
}

std::optional<milliseconds> bearer_client::retry_after(const net::response& res) const {
  const auto value = res.header_value("Retry-After");
  if (!value) {
    return std::nullopt;
  }
  return net::parse_retry_after(*value, net::server_now(res.header_value("Date"), clock_.now()));
}

}  // namespace rootwatch::azure
