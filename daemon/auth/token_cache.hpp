#pragma once

#include "auth/credential.hpp"
#include "common/metrics.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace rootwatch {
class clock;
}

namespace rootwatch::auth {

// Tokens per audience (scope), fetched on first use and refreshed ahead of expiry. Callers
// asking while a refresh is running wait for it instead of starting their own, so a tenant
// never has two token requests in flight for one scope. With `stats`, every refresh and every
// failed one is counted per credential kind (rootwatch_token_refreshes_total,
// rootwatch_token_refresh_failures_total).
class token_cache {
 public:
  token_cache(asio::any_io_executor ex, std::unique_ptr<credential> source, const clock& wall,
              metrics* stats = nullptr);
  ~token_cache();

  awaitable<result<std::string>> get(std::string scope);

  // After a 401: the next get() fetches a new token.
  void invalidate(const std::string& scope);

  // The last refresh failure that was papered over by a still-valid token.
  const std::optional<error>& last_refresh_error() const { return last_refresh_error_; }
  std::size_t fetches() const { return fetches_; }

 private:
  struct entry;
  awaitable<result<access_token>> fetch_guarded(entry& e, std::string scope);

  asio::any_io_executor ex_;
  std::unique_ptr<credential> source_;
  const clock& clock_;
  std::map<std::string, std::unique_ptr<entry>> entries_;
  std::optional<error> last_refresh_error_;
  std::size_t fetches_ = 0;
  std::optional<metrics::value_ref> refreshes_;
  std::optional<metrics::value_ref> refresh_failures_;
};

}  // namespace rootwatch::auth
