#include "sinks/dispatcher.hpp"

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "sinks/delivery.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <exception>

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

constexpr std::size_t batch = 32;
// The longest sleep between looks at the outbox; bounds the effect of a wall-clock jump.
constexpr milliseconds max_idle{30'000};

}  // namespace

struct dispatcher::impl {
  impl(asio::any_io_executor ex, store::state_store& s, net::https_client& h, resolved_sink rs, const clock& c, rng& r,
       metrics& m)
      : store(s), http(h), sink(std::move(rs)), wall(c), random(r), stats(m), timer(ex) {}

  store::state_store& store;
  net::https_client& http;
  resolved_sink sink;
  const clock& wall;
  rng& random;
  metrics& stats;
  asio::steady_timer timer;
  bool stopping = false;

  metric_labels labels() const { return {{"sink", sink.settings.name}}; }

  // One attempt. Something thrown on the way (a library, a bug) is a failed attempt like any
  // other, retried later: no exception leaves the dispatcher (invariant 10). Cancellation
  // (shutdown) goes on up: that attempt is not counted.
  awaitable<attempt_outcome> attempt(const store::outbox_item& item) {
    try {
      co_return co_await attempt_delivery(http, sink, item, wall.now());
    } catch (const boost::system::system_error& x) {
      if (x.code() == asio::error::operation_aborted) {
        throw;
      }
      co_return unexpected(item, x);
    } catch (const std::exception& x) {
      co_return unexpected(item, x);
    }
  }

  attempt_outcome unexpected(const store::outbox_item& item, const std::exception& x) const {
    attempt_outcome failed;
    failed.detail = fmt::format("sink {}: unexpected error while delivering alert {}: {}", sink.settings.name,
                                item.alert_id, x.what());
    return failed;
  }

  // Returns false when the store failed, or recording the outcome threw: the row stays due,
  // and the run loop comes back to it after its pause.
  awaitable<bool> deliver(const store::outbox_item& item, drain_report& report) {
    const auto outcome = co_await attempt(item);
    try {
      co_return record(item, outcome, report);
    } catch (const std::exception& x) {
      spdlog::error("sink {}: alert {}: recording the attempt failed: {}", sink.settings.name, item.alert_id, x.what());
    }
    co_return false;
  }

  bool record(const store::outbox_item& item, const attempt_outcome& outcome, drain_report& report) {
    const timestamp now = wall.now();
    const int attempts = item.attempts + 1;
    if (outcome.delivered) {
      if (auto r = store.mark_delivered(item.seq, now); !r) {
        spdlog::error("sink {}: alert {} was delivered but recording it failed: {}", sink.settings.name, item.alert_id,
                      r.error().message);
        return false;
      }
      ++report.delivered;
      stats.add("rootwatch_deliveries_total", {{"sink", sink.settings.name}, {"result", "delivered"}});
      spdlog::info("sink {}: delivered alert {} (attempt {})", sink.settings.name, item.alert_id, attempts);
      return true;
    }
    const auto plan = plan_retry(sink.settings, item, outcome, now, random.uniform01());
    if (plan.give_up) {
      if (auto r = store.mark_dead(item.seq, attempts, outcome.detail, now); !r) {
        spdlog::error("sink {}: cannot record giving up on alert {}: {}", sink.settings.name, item.alert_id,
                      r.error().message);
        return false;
      }
      ++report.dead;
      stats.add("rootwatch_alerts_dead_total", labels());
      spdlog::error("sink {}: GAVE UP on alert {} after {} attempts over {}: {}", sink.settings.name, item.alert_id,
                    attempts, format_duration(sink.settings.give_up_after), outcome.detail);
      return true;
    }
    if (auto r = store.mark_retry(item.seq, attempts, plan.next_attempt_at, outcome.detail); !r) {
      spdlog::error("sink {}: cannot record the failed attempt for alert {}: {}", sink.settings.name, item.alert_id,
                    r.error().message);
      return false;
    }
    ++report.retrying;
    stats.add("rootwatch_deliveries_total", {{"sink", sink.settings.name}, {"result", "failed"}});
    spdlog::warn("sink {}: alert {} not delivered (attempt {}): {}; next try in {}", sink.settings.name, item.alert_id,
                 attempts, outcome.detail,
                 format_duration(std::chrono::duration_cast<milliseconds>(plan.next_attempt_at - now)));
    return true;
  }

  awaitable<drain_report> drain(bool all) {
    drain_report report;
    std::int64_t after = 0;  // rows are taken in seq order; each is tried at most once per drain
    while (!stopping) {
      const timestamp horizon = all ? timestamp::max() : wall.now();
      auto items = store.due(sink.settings.name, horizon, batch, after);
      if (!items) {
        spdlog::error("sink {}: cannot read the outbox: {}", sink.settings.name, items.error().message);
        ++report.store_errors;
        co_return report;
      }
      if (items->empty()) {
        break;
      }
      for (const auto& item : *items) {
        if (stopping) {
          break;
        }
        after = std::max(after, item.seq);
        // Not inside the if: g++ 12 miscompiles co_await in a condition.
        const bool recorded = co_await deliver(item, report);
        if (!recorded) {
          ++report.store_errors;
          co_return report;
        }
      }
    }
    update_gauges();
    co_return report;
  }

  void update_gauges() {
    if (auto c = store.counts(sink.settings.name)) {
      stats.set("rootwatch_outbox_pending", labels(), static_cast<double>(c->pending));
    }
  }

  milliseconds sleep_time() {
    auto next = store.next_due(sink.settings.name);
    if (!next || !*next) {
      return max_idle;
    }
    const auto wait = std::chrono::duration_cast<milliseconds>(**next - wall.now());
    return std::clamp(wait, milliseconds{0}, max_idle);
  }
};

dispatcher::dispatcher(asio::any_io_executor ex, store::state_store& store, net::https_client& http, resolved_sink sink,
                       const clock& wall, rng& random, metrics& stats)
    : impl_(std::make_unique<impl>(std::move(ex), store, http, std::move(sink), wall, random, stats)) {}

dispatcher::~dispatcher() = default;

const std::string& dispatcher::name() const {
  return impl_->sink.settings.name;
}

void dispatcher::wake() {
  impl_->timer.cancel();
}

void dispatcher::stop() {
  impl_->stopping = true;
  impl_->timer.cancel();
}

awaitable<drain_report> dispatcher::drain_once(bool all) {
  co_return co_await impl_->drain(all);
}

awaitable<void> dispatcher::run() {
  while (!impl_->stopping) {
    auto report = co_await impl_->drain(false);
    if (impl_->stopping) {
      break;
    }
    // After a store error, wait before looking again instead of spinning on it.
    const auto pause = report.store_errors > 0 ? milliseconds{5'000} : impl_->sleep_time();
    if (pause.count() == 0) {
      continue;
    }
    impl_->timer.expires_after(pause);
    co_await impl_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace rootwatch::sinks
