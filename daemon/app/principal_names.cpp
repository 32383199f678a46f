#include "app/principal_names.hpp"

#include "azure/entra_audit_parse.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/strings.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

namespace rootwatch::app {
namespace {

azure::directory_objects_options client_options(const principal_names_options& o) {
  azure::directory_objects_options c;
  c.base = o.graph_base;
  c.scope = azure::graph_scope(o.graph_base);
  c.timeout = o.timeout;
  if (o.retry) {
    c.retry = *o.retry;
  }
  if (o.ids_per_request) {
    c.ids_per_request = *o.ids_per_request;
  }
  c.observer = o.observer;
  return c;
}

// What an error is "because of", for logging each cause once: a missing permission and a
// refused credential need a human and are said at once; what passes by itself (throttling,
// timeouts, 5xx, the network) is only worth a warning when it lasts.
std::string cause_of(const error& e) {
  switch (e.kind) {
    case error_kind::permission:
      return "permission";
    case error_kind::auth:
      return "auth";
    case error_kind::cancelled:
      return "cancelled";
    case error_kind::throttled:
    case error_kind::timeout:
    case error_kind::network:
      return "transient";
    default:
      break;
  }
  return e.retryable ? "transient" : std::string(to_string(e.kind));
}

// The 16 bytes of a GUID that is_guid accepts (either case).
std::array<unsigned char, 16> guid_bytes(std::string_view guid) {
  std::array<unsigned char, 16> out{};
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < guid.size(); ++i) {
    if (guid[i] == '-') {
      continue;
    }
    out[n++] = static_cast<unsigned char>(hex_value(guid[i]) * 16 + hex_value(guid[i + 1]));
    ++i;
  }
  return out;
}

}  // namespace

principal_names::principal_names(net::https_client& http, auth::token_cache& tokens, principal_names_options options,
                                 rng& random, const clock& wall)
    : client_(http, tokens, client_options(options), random, wall), options_(std::move(options)), clock_(wall) {}

awaitable<void> principal_names::resolve(std::vector<engine::assignment>& rows) {
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& r : rows) {
    ids.push_back(r.principal.id);
  }
  const auto known = co_await names(std::move(ids));
  for (auto& r : rows) {
    if (auto it = known.find(normalize_guid(r.principal.id)); it != known.end()) {
      r.principal.display_name = it->second;
    }
  }
}

awaitable<std::map<std::string, std::string>> principal_names::names(std::vector<std::string> ids) {
  const timestamp now = clock_.now();
  std::erase_if(cache_, [&](const entry& e) { return e.expires <= now; });
  std::map<std::string, std::string> out;
  std::vector<std::string> missing;
  std::set<std::string> asked;
  for (const auto& raw : ids) {
    if (!is_guid(raw)) {
      continue;
    }
    auto id = normalize_guid(raw);
    const auto key = guid_bytes(id);
    const auto it = std::lower_bound(cache_.begin(), cache_.end(), key,
                                     [](const entry& e, const object_key& k) { return e.id < k; });
    if (it != cache_.end() && it->id == key) {
      if (it->known) {
        out.emplace(id, it->name);
      }
    } else if (asked.insert(id).second) {
      missing.push_back(std::move(id));
    }
  }
  // After a 403 the answer will not change until someone grants the permission: asking every
  // cycle would only add a refused request per cycle.
  const bool paused = paused_until_ && now < *paused_until_;
  if (missing.empty() || paused) {
    co_return out;
  }
  ++lookups_;
  auto found = co_await client_.get_by_ids(missing);
  if (!found) {
    failed(found.error(), clock_.now());
    co_return out;
  }
  for (const auto& o : *found) {
    if (o.display_name && asked.contains(o.id)) {
      out.emplace(o.id, *o.display_name);
    }
  }
  remember(missing, std::move(*found), clock_.now());
  succeeded();
  co_return out;
}

void principal_names::remember(const std::vector<std::string>& asked, std::vector<azure::directory_object> found,
                               timestamp now) {
  std::size_t nameless = 0;
  std::map<std::string, azure::directory_object> by_id;
  for (auto& o : found) {
    by_id.insert_or_assign(o.id, std::move(o));
  }
  // `asked` were missing from the cache when asked: the merged cache is (at most) the two
  // together, in one allocation.
  std::vector<entry> fresh;
  fresh.reserve(asked.size());
  for (const auto& id : asked) {
    entry e{guid_bytes(id), false, now + options_.not_found_ttl, {}};
    // Absent: deleted, or in another tenant (a guest's home object, a foreign group): not an error.
    if (const auto it = by_id.find(id); it != by_id.end()) {
      if (it->second.display_name) {
        e = entry{e.id, true, now + options_.found_ttl, std::move(*it->second.display_name)};
      } else {
        ++nameless;
      }
    }
    fresh.push_back(std::move(e));
  }
  const auto by_key = [](const entry& a, const entry& b) { return a.id < b.id; };
  std::sort(fresh.begin(), fresh.end(), by_key);
  std::vector<entry> merged;
  merged.reserve(cache_.size() + fresh.size());
  // Two lookups in flight at once (the sources of one cycle gather together) can both ask for
  // an id: std::merge keeps the first range first among equals, and unique keeps the first, so
  // the newest answer stays.
  std::merge(std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()),
             std::make_move_iterator(cache_.begin()), std::make_move_iterator(cache_.end()), std::back_inserter(merged),
             by_key);
  merged.erase(std::unique(merged.begin(), merged.end(), [](const entry& a, const entry& b) { return a.id == b.id; }),
               merged.end());
  cache_ = std::move(merged);
  if (nameless > 0 && !limited_warned_) {
    // Graph answers an object the app may not read with its id and type only.
    limited_warned_ = true;
    spdlog::warn(
        "tenant {}: Microsoft Graph returned {} principal(s) without a display name; the credential can read only "
        "some object types: grant the Graph application permission {} (or {}) to see all names",
        options_.tenant, nameless, azure::directory_read_permission, azure::directory_read_alternative);
  }
}

void principal_names::failed(const error& e, timestamp now) {
  last_error_ = e;
  if (!failing_since_) {
    failing_since_ = now;
  }
  const std::string cause = cause_of(e);
  if (cause == "permission") {
    paused_until_ = now + options_.denied_pause;
  }
  if (cause == "cancelled") {
    spdlog::debug("tenant {}: principal display names: lookup cancelled: {}", options_.tenant, e.message);
    return;
  }
  const bool lasting = now - *failing_since_ >= options_.warn_after;
  if (cause == "transient" && !lasting) {
    spdlog::debug("tenant {}: principal display names unavailable for now: {}", options_.tenant, e.message);
    return;
  }
  if (!warned_.insert(cause).second) {
    spdlog::debug("tenant {}: principal display names unavailable: {}", options_.tenant, e.message);
    return;
  }
  if (cause == "transient") {
    spdlog::warn("tenant {}: principal display names unavailable for {} (alerts carry display_name null): {}",
                 options_.tenant, format_duration(std::chrono::duration_cast<milliseconds>(now - *failing_since_)),
                 e.message);
    return;
  }
  spdlog::warn("tenant {}: principal display names unavailable (alerts carry display_name null): {}", options_.tenant,
               e.message);
}

void principal_names::succeeded() {
  if (last_error_) {
    spdlog::info("tenant {}: principal display names available again", options_.tenant);
  }
  last_error_.reset();
  failing_since_.reset();
  paused_until_.reset();
  warned_.clear();
}

}  // namespace rootwatch::app
