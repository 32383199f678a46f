#include "auth/token_cache.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rootwatch::auth {

struct token_cache::entry {
  explicit entry(const asio::any_io_executor& ex) : refreshed(ex, asio::steady_timer::time_point::max()) {}
  std::optional<access_token> token;
  bool refreshing = false;
  // Never expires by itself: cancel() wakes everybody waiting for the refresh in flight.
  asio::steady_timer refreshed;
};

token_cache::token_cache(asio::any_io_executor ex, std::unique_ptr<credential> source, const clock& wall)
    : ex_(std::move(ex)), source_(std::move(source)), clock_(wall) {}

token_cache::~token_cache() = default;

void token_cache::invalidate(const std::string& scope) {
  if (auto it = entries_.find(scope); it != entries_.end()) {
    it->second->token.reset();
  }
}

awaitable<result<std::string>> token_cache::get(std::string scope) {
  auto& slot = entries_[scope];
  if (!slot) {
    slot = std::make_unique<entry>(ex_);
  }
  entry& e = *slot;
  while (true) {
    const timestamp now = clock_.now();
    if (e.token && now < refresh_due(*e.token)) {
      co_return e.token->value;
    }
    if (!e.refreshing) {
      break;
    }
    co_await e.refreshed.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  e.refreshing = true;
  ++fetches_;
  auto fresh = co_await source_->fetch(scope);
  e.refreshing = false;
  e.refreshed.cancel();
  if (fresh) {
    e.token = std::move(*fresh);
    last_refresh_error_.reset();
    co_return e.token->value;
  }
  // A failed early refresh is not yet a failure: the old token is good for a while longer,
  // and the next call tries again.
  if (e.token && clock_.now() + std::chrono::minutes{1} < e.token->expires_on) {
    last_refresh_error_ = fresh.error();
    co_return e.token->value;
  }
  co_return fresh.error();
}

}  // namespace rootwatch::auth
