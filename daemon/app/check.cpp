#include "app/check.hpp"

#include "app/generation.hpp"
#include "app/secrets.hpp"
#include "app/services.hpp"
#include "common/clock.hpp"
#include "common/echo.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "engine/alert_json.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "sinks/delivery.hpp"
#include "sinks/dispatcher.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rootwatch::app {
namespace {

// The parts `check` and `test-alert` share with the daemon, built for one run.
struct one_shot {
  system_clock_source wall;
  seeded_rng random = seeded_rng::from_entropy();
  metrics stats;
  std::unique_ptr<net::https_client> http;
  std::unique_ptr<store::state_store> store;
  std::unique_ptr<services> svc;
};

result<std::unique_ptr<one_shot>> prepare(asio::any_io_executor ex, const options& opts, bool with_store) {
  auto s = std::make_unique<one_shot>();
  auto tls = net::client_tls::make(opts.settings.tls.ca_file);
  if (!tls) {
    return tls.error();
  }
  s->http = std::make_unique<net::https_client>(ex, std::move(*tls), s->random, s->wall);
  if (with_store) {
    auto store = store::state_store::open(opts.settings.daemon.state_dir);
    if (!store) {
      return store.error();
    }
    s->store = std::move(*store);
    s->svc =
        std::unique_ptr<services>(new services{ex, s->wall, s->random, s->stats, *s->http, *s->store, opts.getenv});
  }
  return s;
}

void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

result<milliseconds> parse_deliver_for(std::string_view text) {
  const auto d = parse_duration(text);
  if (!d) {
    const auto shown = echo_value(text);
    return make_error(error_kind::config,
                      fmt::format("--deliver-for: {}is not a duration such as \"0s\", \"90s\" or \"5m\"",
                                  shown.empty() ? "the value " : shown + " "));
  }
  if (*d > max_deliver_for) {
    return make_error(error_kind::config,
                      fmt::format("--deliver-for: at most {}; retrying for longer is the daemon's job (rootwatch run)",
                                  format_duration(max_deliver_for)));
  }
  return *d;
}

bool check_interrupt::request() {
  if (!on_stop_ || requested_) {
    return false;
  }
  requested_ = true;
  on_stop_();
  return true;
}

void check_interrupt::listen(std::function<void()> on_stop) {
  on_stop_ = std::move(on_stop);
}

void check_interrupt::stop_listening() {
  on_stop_ = nullptr;
}

namespace {

struct cycle_summary {
  bool failed = false;
  std::size_t firing = 0;
};

awaitable<cycle_summary> run_cycles(generation& gen) {
  cycle_summary out;
  for (auto& w : gen.watchers) {
    const auto report = co_await w->cycle();
    // Every configured source must answer: one that cannot (a log without its permission, say)
    // is a gap in the watch that a one-shot check reports as an error.
    for (const auto& s : report.sources) {
      if (!s.ok && !(report.failure && s.authoritative)) {
        out.failed = true;
        say(fmt::format("tenant {}: source {}: ERROR: {}", w->tenant().name, s.name, s.error));
      }
    }
    // Elevations the logs recorded are reported like firing assignments: one elevated and
    // revoked before this check is still something to look at.
    out.firing += report.elevation_events;
    if (report.failure) {
      out.failed = true;
      say(fmt::format("tenant {}: ERROR: {}", w->tenant().name, report.failure->message));
      continue;
    }
    out.firing += report.firing;
    say(
        fmt::format("tenant {}: {} role assignment(s) at the root scope, {} firing, {} elevation event(s) in the logs, "
                    "{} new alert(s)",
                    w->tenant().name, report.assignments, report.firing, report.elevation_events, report.alerts));
  }
  co_return out;
}

void add(sinks::drain_report& total, const sinks::drain_report& round) {
  total.delivered += round.delivered;
  total.retrying += round.retrying;
  total.dead += round.dead;
  total.store_errors += round.store_errors;
}

int attempts(const sinks::drain_report& r) {
  return r.delivered + r.retrying + r.dead;
}

// When the earliest pending row of any sink is due; nullopt when nothing is pending.
result<std::optional<timestamp>> earliest_due(store::state_store& store, const generation& gen) {
  std::optional<timestamp> earliest;
  for (const auto& d : gen.dispatchers) {
    auto next = store.next_due(d->name());
    if (!next) {
      return next.error();
    }
    if (*next && (!earliest || **next < *earliest)) {
      earliest = **next;
    }
  }
  return earliest;
}

// What delivering came to, per sink (in the order of gen.dispatchers), over every round.
struct delivery_summary {
  std::vector<sinks::drain_report> per_sink;
  bool interrupted = false;
  bool store_failed = false;
};

// The first round tries every queued row, due or not, as `check` always has. Then, until
// nothing is pending or the deadline: sleep until the earliest row is due (the sink's backoff,
// with the receiver's Retry-After in it) and try what is due. A row due only after the deadline
// ends the wait at once: sleeping until the deadline would deliver nothing.
awaitable<delivery_summary> deliver(generation& gen, store::state_store& store, const clock& wall,
                                    std::chrono::steady_clock::time_point deadline, check_interrupt& interrupt) {
  using std::chrono::steady_clock;
  delivery_summary out;
  out.per_sink.resize(gen.dispatchers.size());
  asio::steady_timer timer(co_await asio::this_coro::executor);
  // The handler below points into this frame: it must be gone when the frame is, even when an
  // exception leaves it.
  struct listening {
    check_interrupt& interrupt;
    ~listening() { interrupt.stop_listening(); }
  } guard{interrupt};
  interrupt.listen([&] {
    out.interrupted = true;
    timer.cancel();
    for (auto& d : gen.dispatchers) {
      d->stop();  // the drain under way ends after its current attempt
    }
  });
  bool all = true;
  while (!out.interrupted) {
    int tried = 0;
    for (std::size_t i = 0; i < gen.dispatchers.size() && !out.interrupted; ++i) {
      const auto round = co_await gen.dispatchers[i]->drain_once(all);
      add(out.per_sink[i], round);
      tried += attempts(round);
      out.store_failed = out.store_failed || round.store_errors > 0;
    }
    all = false;
    // After a store error a delivered row may not be marked: another round would send it again.
    if (out.interrupted || out.store_failed) {
      break;
    }
    const auto next = earliest_due(store, gen);
    if (!next) {
      spdlog::error("cannot read the outbox: {}", next.error().message);
      out.store_failed = true;
      break;
    }
    if (!*next) {
      break;
    }
    auto wait = std::max(std::chrono::duration_cast<milliseconds>(**next - wall.now()), milliseconds{0});
    // A row that reads as due but was not taken (a clock step, say) must not make this spin.
    if (wait.count() == 0 && tried == 0) {
      wait = milliseconds{100};
    }
    if (steady_clock::now() + wait > deadline) {
      break;
    }
    timer.expires_after(wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return out;
}

// What the outbox still holds for the configured sinks once delivering is over.
struct leftover {
  std::int64_t waiting = 0;
  std::optional<timestamp> next_try;
  int dead = 0;  // given up on during this check
  bool store_failed = false;
};

// One line per sink, and their sum.
leftover report_sinks(store::state_store& store, const generation& gen, const delivery_summary& delivery) {
  leftover out;
  out.store_failed = delivery.store_failed;
  for (std::size_t i = 0; i < gen.dispatchers.size(); ++i) {
    const auto& name = gen.dispatchers[i]->name();
    const auto& r = delivery.per_sink[i];
    out.dead += r.dead;
    const auto counts = store.counts(name);
    const auto next = store.next_due(name);
    if (!counts || !next) {
      out.store_failed = true;
      say(fmt::format("sink {}: {} delivered, {} given up; ERROR: cannot read the outbox: {}", name, r.delivered,
                      r.dead, !counts ? counts.error().message : next.error().message));
      continue;
    }
    std::string waiting = fmt::format("{} still waiting", counts->pending);
    if (counts->pending > 0 && *next) {
      waiting += fmt::format(" (next try due at {})", format_iso8601(**next));
      out.next_try = out.next_try ? std::min(*out.next_try, **next) : **next;
    }
    out.waiting += counts->pending;
    say(fmt::format("sink {}: {} delivered, {}, {} given up; {} failed attempt(s)", name, r.delivered, waiting, r.dead,
                    r.retrying));
  }
  return out;
}

// The result line and the exit code, as the contract has them: a failed tenant or source is 2;
// otherwise firing is 1, and what did not reach its receiver is said with it (exit 1 keeps
// meaning "alerts firing", as scripts expect); with nothing firing, an alert still waiting,
// given up or an outbox error is 2: nobody was told.
int conclude(const cycle_summary& cycles, const leftover& left, bool interrupted, milliseconds deliver_for) {
  const std::string firing =
      cycles.firing > 0 ? fmt::format("{} alert(s) firing", cycles.firing) : std::string("nothing firing");
  std::vector<std::string> wrong;
  if (left.waiting > 0) {
    const std::string when = left.next_try ? fmt::format(" from {}", format_iso8601(*left.next_try)) : "";
    wrong.push_back(fmt::format(
        "{} alert(s) still waiting for delivery {}; the daemon (or the next check) retries "
        "them{}",
        left.waiting,
        interrupted ? std::string("(stopped by a signal)") : fmt::format("after {}", format_duration(deliver_for)),
        when));
  }
  if (left.dead > 0) {
    wrong.push_back(fmt::format("{} alert(s) given up", left.dead));
  }
  if (left.store_failed) {
    wrong.push_back("the outbox could not be read or updated");
  }
  if (cycles.failed) {
    wrong.insert(wrong.begin(), "a tenant or source failed (see above)");
  }
  if (!cycles.failed && cycles.firing > 0) {
    if (wrong.empty()) {
      say(fmt::format("result: {}, all delivered (exit 1)", firing));
    } else {
      say(fmt::format("result: {}, but {} (exit 1)", firing, fmt::join(wrong, "; ")));
    }
    return exit_firing;
  }
  if (!wrong.empty()) {
    say(fmt::format("result: {}, but {} (exit 2)", firing, fmt::join(wrong, "; ")));
    return exit_error;
  }
  say("result: nothing firing, all delivered (exit 0)");
  return exit_quiet;
}

}  // namespace

awaitable<int> run_check(options opts, check_options how, check_interrupt& interrupt) {
  auto ex = co_await asio::this_coro::executor;
  auto shared = prepare(ex, opts, true);
  if (!shared) {
    spdlog::error("{}", shared.error().message);
    co_return exit_error;
  }
  auto& s = **shared;
  auto gen = build_generation(*s.svc, opts.settings);
  if (!gen) {
    // One log call per problem: the log formatters escape a "\n" (log injection).
    for (const auto& line : split(gen.error().message, '\n')) {
      spdlog::error("{}", line);
    }
    co_return exit_error;
  }
  const auto cycles = co_await run_cycles(**gen);
  report_orphaned_outbox_rows(*s.store, opts.settings, s.stats);
  // The deadline counts from here: --deliver-for is the time spent delivering, whatever the
  // cycles took.
  const auto deadline = std::chrono::steady_clock::now() + how.deliver_for;
  const auto delivery = co_await deliver(**gen, *s.store, s.wall, deadline, interrupt);
  const auto left = report_sinks(*s.store, **gen, delivery);
  if (delivery.interrupted) {
    say("delivery stopped by a signal");
  }
  co_return conclude(cycles, left, delivery.interrupted, how.deliver_for);
}

awaitable<int> run_test_alert(options opts, std::string sink_name) {
  auto ex = co_await asio::this_coro::executor;
  const config::sink_settings* sink = nullptr;
  for (const auto& s : opts.settings.sinks) {
    if (s.name == sink_name) {
      sink = &s;
    }
  }
  if (!sink) {
    spdlog::error("no [[sink]] named '{}' in {}", sink_name, opts.settings.path);
    co_return exit_error;
  }
  // A sink that sends an Entra token is built like the daemon's (make_sink), which takes the
  // services, store included; the others need neither.
  const bool with_token = sinks::needs_token(*sink);
  auto shared = prepare(ex, opts, with_token);
  if (!shared) {
    spdlog::error("{}", shared.error().message);
    co_return exit_error;
  }
  auto& s = **shared;
  auto resolved = with_token ? make_sink(*s.svc, opts.settings, *sink) : resolve_sink(*sink, opts.getenv);
  if (resolved && !with_token) {
    if (auto own = give_own_client(*resolved, ex, opts.settings.tls.ca_file, s.random, s.wall); !own) {
      resolved = own.error();
    }
  }
  if (!resolved) {
    spdlog::error("{}", resolved.error().message);
    co_return exit_error;
  }
  engine::alert a;
  a.id = "test-" + random_uuid(s.random);
  a.kind = std::string(engine::alert_kind::test);
  a.status = "firing";
  a.level = engine::severity::info;
  a.rule = "test-alert";
  if (!opts.settings.tenants.empty()) {
    a.tenant = {opts.settings.tenants.front().tenant_id, opts.settings.tenants.front().name};
  }
  a.correlation_key = a.id;
  a.first_seen = a.detected_at = s.wall.now();
  a.remediation = "Nothing to do: this is a test alert sent by `rootwatch test-alert`.";
  a.test = true;
  store::outbox_item item;
  item.alert_id = a.id;
  item.sink = sink_name;
  item.payload = dump_tolerant(engine::to_json(a));
  net::https_client& http = resolved->http ? *resolved->http : *s.http;
  const auto outcome = co_await sinks::attempt_delivery(http, *resolved, item, s.wall.now());
  if (outcome.status == 0) {
    say(fmt::format("sink {}: test alert NOT delivered: {}", sink_name, outcome.detail));
    co_return exit_error;
  }
  const std::string answer =
      fmt::format("status {}{}", outcome.status, outcome.answer.empty() ? "" : ": " + outcome.answer);
  if (!outcome.delivered) {
    say(fmt::format("sink {}: test alert NOT delivered; the receiver answered {}", sink_name, answer));
    co_return exit_error;
  }
  say(fmt::format("sink {}: test alert {} delivered; the receiver answered {}", sink_name, a.id, answer));
  co_return exit_quiet;
}

}  // namespace rootwatch::app
