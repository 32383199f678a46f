#include "auth/token_cache.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rootwatch::auth {

namespace {

// Ends a refresh however fetch() leaves: with a value, with an exception, or with the
// coroutine destroyed at shutdown. A flag left set would make every later caller wait for a
// refresh that never comes: the watcher blind for good.
class refresh_in_flight {
 public:
  refresh_in_flight(bool& refreshing, asio::steady_timer& refreshed) : refreshing_(refreshing), refreshed_(refreshed) {
    refreshing_ = true;
  }
  ~refresh_in_flight() {
    refreshing_ = false;
    refreshed_.cancel();
  }
  refresh_in_flight(const refresh_in_flight&) = delete;
  refresh_in_flight& operator=(const refresh_in_flight&) = delete;

 private:
  bool& refreshing_;
  asio::steady_timer& refreshed_;
};

}  // namespace

struct token_cache::entry {
  explicit entry(const asio::any_io_executor& ex) : refreshed(ex, asio::steady_timer::time_point::max()) {}
  std::optional<access_token> token;
  bool refreshing = false;
  // Never expires by itself: cancel() wakes everybody waiting for the refresh in flight.
  asio::steady_timer refreshed;
};

token_cache::token_cache(asio::any_io_executor ex, std::unique_ptr<credential> source, const clock& wall,
                         metrics* stats)
    : ex_(std::move(ex)), source_(std::move(source)), clock_(wall) {
  if (stats != nullptr) {
    const metric_labels kind{{"credential", std::string(source_->kind())}};
    refreshes_ = stats->ref("rootwatch_token_refreshes_total", kind);
    refresh_failures_ = stats->ref("rootwatch_token_refresh_failures_total", kind);
  }
}

token_cache::~token_cache() = default;

void token_cache::invalidate(const std::string& scope) {
  if (auto it = entries_.find(scope); it != entries_.end()) {
    it->second->token.reset();
  }
}

awaitable<result<access_token>> token_cache::fetch_guarded(entry& e, std::string scope) {
  const refresh_in_flight guard(e.refreshing, e.refreshed);
  // A credential turns what it receives into errors; an exception here is a bug, which is
  // reported as an error for this tenant instead of ending the daemon (invariant 10).
  try {
    auto fresh = co_await source_->fetch(std::move(scope));
    co_return fresh;
  } catch (const boost::system::system_error& ex) {
    if (ex.code() == asio::error::operation_aborted) {
      co_return make_error(error_kind::cancelled, "token request cancelled");
    }
    co_return make_error(error_kind::internal, fmt::format("{} credential failed: {}", source_->kind(), ex.what()));
  } catch (const std::exception& ex) {
    co_return make_error(error_kind::internal, fmt::format("{} credential failed: {}", source_->kind(), ex.what()));
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
  ++fetches_;
  if (refreshes_) {
    refreshes_->add();
  }
  auto fresh = co_await fetch_guarded(e, std::move(scope));
  // A refresh cut short by shutdown or reload says nothing about the credential.
  if (!fresh && fresh.error().kind != error_kind::cancelled && refresh_failures_) {
    refresh_failures_->add();
  }
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
