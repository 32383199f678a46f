#include "sinks/dispatcher.hpp"

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "sinks/circuit_breaker.hpp"
#include "sinks/delivery.hpp"
#include "sinks/url_file.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <exception>
#include <list>
#include <optional>
#include <span>
#include <vector>

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

constexpr std::size_t batch = 32;
// Rows looked at per claim by a sink that takes several per request (Logs Ingestion: 500).
constexpr std::size_t batch_lookahead = 500;
// The longest sleep between looks at the outbox; bounds the effect of a wall-clock jump, and
// is how soon a row that `rootwatch outbox retry` revived is seen.
constexpr milliseconds max_idle{30'000};
constexpr milliseconds store_error_pause{5'000};
// How often the outbox's bound and retention are applied.
constexpr milliseconds upkeep_every{60'000};
// Delivered rows recorded per transaction at most: one fsync for several 2xx. A crash before
// the commit re-delivers at most these (at least once, never lost).
constexpr std::size_t record_batch = 32;
// Consecutive attempts without an answer that open the circuit breaker.
constexpr int breaker_threshold = 3;

using steady = std::chrono::steady_clock;

}  // namespace

struct dispatcher::impl {
  impl(asio::any_io_executor e, store::state_store& s, net::https_client& h, resolved_sink rs, const clock& c, rng& r,
       metrics& m)
      : ex(std::move(e)),
        store(s),
        http(h),
        sink(std::move(rs)),
        wall(c),
        random(r),
        stats(m),
        latency(&m.histogram_ref("rootwatch_delivery_latency_seconds", labels())),
        breaker(breaker_threshold, sink.settings.retry_initial_backoff, sink.settings.retry_max_backoff) {
    if (!sink.url_file_path.empty()) {
      url_source.emplace(sink.url_file_path, sink.url);
    }
    stats.set("rootwatch_sink_open", labels(), 0);
  }
  // A sink removed by a reload keeps its series; an open breaker must not stay 1 there. One
  // kept by the reload has a new dispatcher, whose breaker starts closed too.
  ~impl() { stats.set("rootwatch_sink_open", labels(), 0); }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  asio::any_io_executor ex;
  store::state_store& store;
  net::https_client& http;
  resolved_sink sink;
  const clock& wall;
  rng& random;
  metrics& stats;
  histogram* latency;  // queued to delivered, this sink's series
  bool stopping = false;
  std::list<asio::steady_timer> lane_timers;  // one per lane; wake() cuts every sleep short
  std::vector<std::int64_t> in_flight;        // rows a lane has taken and not yet recorded
  steady::time_point next_start{};            // min_interval: the earliest the next attempt may start
  // On the wall clock, as the ages it checks against give_up_after and the retention are.
  std::optional<timestamp> next_upkeep;
  std::function<void(const dead_letter&)> dead_observer;
  std::int64_t limit = 0;  // 0: no bound
  milliseconds retention{0};
  circuit_breaker breaker;
  std::optional<url_file> url_source;
  // 2xx rows not recorded yet; they stay in in_flight until recorded, so no lane takes them.
  struct delivered_row {
    store::outbox_item item;
    int attempts = 0;
    timestamp at{};
  };
  std::vector<delivered_row> unrecorded;

  const std::string& name() const { return sink.settings.name; }
  metric_labels labels() const { return {{"sink", name()}}; }

  // One attempt. Something thrown on the way (a library, a bug) is a failed attempt like any
  // other, retried later: no exception leaves the dispatcher (invariant 10). Cancellation
  // (shutdown) goes on up: that attempt is not counted.
  awaitable<attempt_outcome> attempt(std::span<const store::outbox_item> items) {
    if (url_source) {
      // Read when the delivery starts (cheap: again only when the file changed).
      auto url = url_source->current();
      if (!url) {
        attempt_outcome failed;
        failed.detail = fmt::format("sink {}: {}", name(), url.error().message);
        co_return failed;
      }
      sink.url = std::move(*url);
    }
    try {
      co_return co_await attempt_delivery(http, sink, items, wall.now());
    } catch (const boost::system::system_error& x) {
      if (x.code() == asio::error::operation_aborted) {
        throw;
      }
      co_return unexpected(items.front(), x);
    } catch (const std::exception& x) {
      co_return unexpected(items.front(), x);
    }
  }

  attempt_outcome unexpected(const store::outbox_item& item, const std::exception& x) const {
    attempt_outcome failed;
    failed.detail =
        fmt::format("sink {}: unexpected error while delivering alert {}: {}", name(), item.alert_id, x.what());
    return failed;
  }

  // One request for `items` (several only for a sink that takes batches), its outcome recorded
  // for each. Returns false when the store failed, or recording threw: those rows stay due,
  // and the lane comes back to them after a pause.
  awaitable<bool> deliver(std::span<const store::outbox_item> items, drain_report& report,
                          std::optional<bool> probe = std::nullopt) {
    const auto outcome = co_await attempt(items);
    if (probe) {
      learn(*probe, outcome);
    }
    bool all = true;
    for (const auto& item : items) {
      try {
        all = record(item, outcome, report) && all;
      } catch (const std::exception& x) {
        spdlog::error("sink {}: alert {}: recording the attempt failed: {}", name(), item.alert_id, x.what());
        all = false;
      }
    }
    co_return all;
  }

  bool record(const store::outbox_item& item, const attempt_outcome& outcome, drain_report& report) {
    const timestamp now = wall.now();
    const int attempts = item.attempts + 1;
    if (outcome.delivered) {
      // Only after its 2xx; recorded with the next few (flush), still held in in_flight.
      unrecorded.push_back(delivered_row{item, attempts, now});
      return unrecorded.size() < record_batch || flush(report);
    }
    // Every failed attempt is counted, also the one after which the row is given up, and one
    // whose recording fails: the count matches the attempts the log shows.
    stats.add("rootwatch_deliveries_total", {{"sink", name()}, {"result", "failed"}});
    const auto plan = plan_retry(sink.settings, item, outcome, now, random.uniform01());
    if (plan.give_up) {
      const std::string why = outcome.final_status ? fmt::format("{} (refused: not retried)", outcome.detail)
                                                   : fmt::format("{} (still failing after {})", outcome.detail,
                                                                 format_duration(sink.settings.give_up_after));
      if (!give_up(item, attempts, why, now)) {
        return false;
      }
      ++report.dead;
      return true;
    }
    if (auto r = store.mark_retry(item.seq, attempts, plan.next_attempt_at, outcome.detail); !r) {
      spdlog::error("sink {}: cannot record the failed attempt for alert {}: {}", name(), item.alert_id,
                    r.error().message);
      return false;
    }
    ++report.retrying;
    spdlog::warn("sink {}: alert {} not delivered (attempt {}): {}; next try in {}", name(), item.alert_id, attempts,
                 outcome.detail, format_duration(std::chrono::duration_cast<milliseconds>(plan.next_attempt_at - now)));
    return true;
  }

  // Records the delivered rows in one transaction and lets the lanes have them again. On a
  // store error they stay pending and are delivered again (at least once).
  bool flush(drain_report& report) {
    if (unrecorded.empty()) {
      return true;
    }
    std::vector<std::int64_t> seqs;
    seqs.reserve(unrecorded.size());
    for (const auto& d : unrecorded) {
      seqs.push_back(d.item.seq);
    }
    const auto rows = std::move(unrecorded);
    unrecorded.clear();
    for (const auto seq : seqs) {
      release(seq);
    }
    if (auto r = store.mark_delivered(seqs, wall.now()); !r) {
      spdlog::error("sink {}: {} alerts were delivered but recording it failed (they will be delivered again): {}",
                    name(), rows.size(), r.error().message);
      return false;
    }
    for (const auto& d : rows) {
      ++report.delivered;
      stats.add("rootwatch_deliveries_total", {{"sink", name()}, {"result", "delivered"}});
      // From when the row was queued (or requeued by `outbox retry`), retries and waits included.
      latency->observe(std::max(0.0, std::chrono::duration<double>(d.at - d.item.created_at).count()));
      spdlog::info("sink {}: delivered alert {} (attempt {})", name(), d.item.alert_id, d.attempts);
    }
    // Their successors (same order key) are due now.
    wake_all();
    return true;
  }

  bool recorded_later(std::int64_t seq) const {
    return std::any_of(unrecorded.begin(), unrecorded.end(), [&](const auto& d) { return d.item.seq == seq; });
  }

  // The breaker learns what the attempt found out about the receiver; logged once per change.
  void learn(bool probe, const attempt_outcome& outcome) {
    const auto r = outcome.unreachable   ? circuit_breaker::reach::unreachable
                   : outcome.status != 0 ? circuit_breaker::reach::answered
                                         : circuit_breaker::reach::unknown;
    const auto change = breaker.finish(probe, r, wall.now(), random.uniform01());
    if (change == circuit_breaker::change::opened) {
      stats.set("rootwatch_sink_open", labels(), 1);
      spdlog::warn(
          "sink {}: receiver unreachable ({} attempts in a row without an answer): holding deliveries, one probe "
          "at a time at the backoff pace",
          name(), breaker.consecutive_unreachable());
    } else if (change == circuit_breaker::change::closed) {
      stats.set("rootwatch_sink_open", labels(), 0);
      spdlog::info("sink {}: receiver answers again: delivering at full speed", name());
      wake_all();
    }
  }

  bool give_up(const store::outbox_item& item, int attempts, const std::string& why, timestamp now) {
    if (auto r = store.mark_dead(item.seq, attempts, why, now); !r) {
      spdlog::error("sink {}: cannot record giving up on alert {}: {}", name(), item.alert_id, r.error().message);
      return false;
    }
    stats.add("rootwatch_alerts_dead_total", labels());
    spdlog::error("sink {}: GAVE UP on {} alert {} after {} attempt{}: {}", name(), item.kind, item.alert_id, attempts,
                  attempts == 1 ? "" : "s", why);
    if (dead_observer) {
      try {
        dead_observer(dead_letter{item, attempts, why});
      } catch (const std::exception& x) {
        spdlog::error("sink {}: announcing the loss of alert {} failed: {}", name(), item.alert_id, x.what());
      }
    }
    return true;
  }

  // The outbox's bound and retention, at most once a minute; synchronous, so no lane sees a
  // row in between.
  void upkeep() {
    const timestamp now = wall.now();
    // A clock set back by more than the period does not hold the upkeep off for that long.
    if (next_upkeep && now < *next_upkeep && *next_upkeep - now <= upkeep_every) {
      return;
    }
    next_upkeep = now + upkeep_every;
    if (limit > 0) {
      auto excess = store.overflow(name(), limit);
      if (!excess) {
        spdlog::error("sink {}: cannot check the outbox's bound: {}", name(), excess.error().message);
      } else if (!excess->empty()) {
        stats.add("rootwatch_outbox_overflow_total", labels(), static_cast<double>(excess->size()));
        spdlog::error(
            "sink {}: OUTBOX FULL: more than {} alerts wait for this sink; giving up on the {} oldest "
            "(reminders first). They stay in the outbox as dead: rootwatch outbox retry brings them back",
            name(), limit, excess->size());
        give_up_unless_taken(*excess, fmt::format("the outbox is full (outbox_limit {})", limit), now);
      }
    }
    if (breaker.open()) {
      give_up_unreached(now);
    }
    if (retention.count() > 0) {
      if (auto pruned = store.prune_delivered(now - retention); pruned && *pruned > 0) {
        spdlog::info("outbox: forgot {} delivered alert rows older than {}", *pruned, format_duration(retention));
      }
    }
  }

  // While the breaker is open only the probe goes out, so the rows behind it would reach
  // give_up_after one probe at a time, days late for a long outage: the ones past it are given
  // up here, as an attempt would have, and their watch.delivery_failed goes out on time.
  void give_up_unreached(timestamp now) {
    auto items = store.expired(name(), now - sink.settings.give_up_after, 1000);
    if (!items) {
      spdlog::error("sink {}: cannot read the outbox: {}", name(), items.error().message);
      return;
    }
    give_up_unless_taken(*items,
                         fmt::format("not delivered within {}: the receiver has been unreachable (circuit open)",
                                     format_duration(sink.settings.give_up_after)),
                         now);
  }

  // Gives up on `items`, but for the rows a lane has taken: its attempt decides those.
  void give_up_unless_taken(const std::vector<store::outbox_item>& items, const std::string& why, timestamp now) {
    for (const auto& item : items) {
      if (std::find(in_flight.begin(), in_flight.end(), item.seq) == in_flight.end()) {
        give_up(item, item.attempts, why, now);
      }
    }
  }

  // The sequential drain of `rootwatch check`: each row at most once, in seq order.
  awaitable<drain_report> drain(bool all) {
    drain_report report;
    std::int64_t after = 0;
    while (!stopping) {
      const timestamp horizon = all ? timestamp::max() : wall.now();
      auto items = store.due(name(), horizon, batch, after);
      if (!items) {
        spdlog::error("sink {}: cannot read the outbox: {}", name(), items.error().message);
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
        const bool recorded = co_await deliver(std::span<const store::outbox_item>(&item, 1), report);
        if (!recorded) {
          ++report.store_errors;
          co_return report;
        }
      }
      if (!flush(report)) {
        ++report.store_errors;
        co_return report;
      }
    }
    if (!flush(report)) {
      ++report.store_errors;
    }
    update_gauges();
    co_return report;
  }

  // The age of the oldest row still waiting, worked out when /metrics is read: a stored age
  // would stop growing exactly when the sink is stuck. 0 when nothing waits; left out when the
  // store cannot say.
  std::optional<double> oldest_pending_age() const {
    try {
      auto oldest = store.oldest_pending(name());
      if (!oldest) {
        return std::nullopt;
      }
      if (!*oldest) {
        return 0.0;
      }
      return std::max(0.0, std::chrono::duration<double>(wall.now() - **oldest).count());
    } catch (const std::exception& x) {
      spdlog::warn("sink {}: cannot read the oldest pending alert for /metrics: {}", name(), x.what());
      return std::nullopt;
    }
  }

  void update_gauges() {
    if (auto c = store.counts(name())) {
      stats.set("rootwatch_outbox_pending", labels(), static_cast<double>(c->pending));
    }
  }

  void wake_all() {
    for (auto& t : lane_timers) {
      t.cancel();
    }
  }

  struct claim {
    std::vector<store::outbox_item> items;  // empty: nothing due that no lane has
    bool store_error = false;
  };

  // The oldest due rows no lane has, as many as go in one request (one, but for a sink that
  // takes batches); synchronous, so two lanes never take the same row.
  claim take() {
    claim out;
    const std::size_t look = sink.settings.kind == config::sink_kind::azure_monitor_logs ? batch_lookahead : batch;
    auto items = store.due(name(), wall.now(), look + in_flight.size());
    if (!items) {
      spdlog::error("sink {}: cannot read the outbox: {}", name(), items.error().message);
      out.store_error = true;
      return out;
    }
    std::vector<store::outbox_item> free;
    for (auto& item : *items) {
      if (std::find(in_flight.begin(), in_flight.end(), item.seq) == in_flight.end()) {
        free.push_back(std::move(item));
      }
    }
    const std::size_t n = std::min(free.size(), std::max<std::size_t>(batch_prefix(sink, free), 1));
    for (std::size_t i = 0; i < n; ++i) {
      in_flight.push_back(free[i].seq);
      out.items.push_back(std::move(free[i]));
    }
    return out;
  }

  void release(std::int64_t seq) {
    in_flight.erase(std::remove(in_flight.begin(), in_flight.end(), seq), in_flight.end());
  }

  milliseconds idle_time() {
    auto next = store.next_due(name(), in_flight);
    if (!next || !*next) {
      return max_idle;
    }
    const auto wait = std::chrono::duration_cast<milliseconds>(**next - wall.now());
    return std::clamp(wait, milliseconds{0}, max_idle);
  }

  // Sleeps `d`, or until wake() or stop().
  awaitable<void> sleep(asio::steady_timer& timer, steady::duration d) {
    timer.expires_after(d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // How long a lane waits while the breaker holds deliveries back: until the probe is due, or
  // until woken (the probe out now ends).
  milliseconds breaker_wait() {
    if (breaker.probing()) {
      return max_idle;  // the probe's lane wakes every lane when it ends
    }
    const auto wait = std::chrono::duration_cast<milliseconds>(breaker.probe_at() - wall.now());
    return std::clamp(wait, milliseconds{1}, max_idle);
  }

  awaitable<void> lane(asio::steady_timer& timer) {
    drain_report unused;
    while (!stopping) {
      upkeep();
      if (!breaker.may_start(wall.now())) {
        flush(unused);
        co_await sleep(timer, breaker_wait());
        continue;
      }
      auto got = take();
      if (got.store_error) {
        flush(unused);
        co_await sleep(timer, store_error_pause);
        continue;
      }
      if (got.items.empty()) {
        if (!unrecorded.empty()) {
          // Recording them may make their successors due: look again before sleeping.
          if (!flush(unused)) {
            co_await sleep(timer, store_error_pause);
          }
          continue;
        }
        update_gauges();
        const auto idle = idle_time();
        if (idle.count() > 0) {
          co_await sleep(timer, idle);
        }
        continue;
      }
      // Pacing: reserve the next start, then wait for it holding the row.
      const bool probe = breaker.start();
      const auto start = std::max(steady::now(), next_start);
      next_start = start + sink.settings.min_interval;
      if (steady::now() < start) {
        flush(unused);  // not held back for the length of a pacing wait
      }
      // A loop: wake() cuts sleeps short, and pacing must hold all the same.
      while (!stopping && steady::now() < start) {
        co_await sleep(timer, start - steady::now());
      }
      drain_report report;
      bool recorded = false;
      if (!stopping) {
        recorded = co_await deliver(got.items, report, probe);
      }
      for (const auto& item : got.items) {
        if (!recorded_later(item.seq)) {
          release(item.seq);
        }
      }
      // Another lane may wait on a row that followed this one (same order key).
      wake_all();
      if (!recorded && !stopping) {
        co_await sleep(timer, store_error_pause);
      }
    }
  }

  awaitable<void> lanes(std::list<asio::steady_timer>::iterator it, int n) {
    using namespace boost::asio::experimental::awaitable_operators;
    auto& timer = *it;
    if (n == 1) {
      co_await lane(timer);
    } else {
      co_await (lane(timer) && lanes(std::next(it), n - 1));
    }
  }
};

dispatcher::dispatcher(asio::any_io_executor ex, store::state_store& store, net::https_client& http, resolved_sink sink,
                       const clock& wall, rng& random, metrics& stats)
    : impl_(std::make_unique<impl>(std::move(ex), store, http, std::move(sink), wall, random, stats)) {}

dispatcher::~dispatcher() = default;

const std::string& dispatcher::name() const {
  return impl_->name();
}

void dispatcher::wake() {
  impl_->wake_all();
}

void dispatcher::stop() {
  impl_->stopping = true;
  impl_->wake_all();
}

void dispatcher::on_dead(std::function<void(const dead_letter&)> observer) {
  impl_->dead_observer = std::move(observer);
}

void dispatcher::bound_outbox(std::int64_t limit, milliseconds retention) {
  impl_->limit = limit;
  impl_->retention = retention;
}

awaitable<drain_report> dispatcher::drain_once(bool all) {
  co_return co_await impl_->drain(all);
}

namespace {

// The oldest-pending gauge reads the store through the dispatcher: it lives exactly as long as
// run(), so that a dispatcher gone (a reload, a sink removed) is never called from /metrics.
class computed_gauge {
 public:
  computed_gauge(metrics& stats, std::string name, metric_labels labels, std::function<std::optional<double>()> read)
      : stats_(stats), name_(std::move(name)), labels_(std::move(labels)) {
    stats_.set_computed(name_, labels_, std::move(read));
  }
  ~computed_gauge() { stats_.remove_computed(name_, labels_); }
  computed_gauge(const computed_gauge&) = delete;
  computed_gauge& operator=(const computed_gauge&) = delete;

 private:
  metrics& stats_;
  std::string name_;
  metric_labels labels_;
};

}  // namespace

awaitable<void> dispatcher::run() {
  const computed_gauge oldest(impl_->stats, "rootwatch_outbox_oldest_pending_age_seconds", impl_->labels(),
                              [p = impl_.get()] { return p->oldest_pending_age(); });
  const int n = std::max(1, impl_->sink.settings.concurrency);
  impl_->lane_timers.clear();
  for (int i = 0; i < n; ++i) {
    impl_->lane_timers.emplace_back(impl_->ex);
  }
  co_await impl_->lanes(impl_->lane_timers.begin(), n);
  drain_report unused;
  impl_->flush(unused);
}

}  // namespace rootwatch::sinks
