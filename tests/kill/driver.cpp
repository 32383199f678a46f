#include "kill/driver.hpp"

#include "kill/integrity.hpp"

#include <fmt/format.h>

#include <csignal>
#include <thread>

namespace rootwatch::kill {
namespace {

timestamp now() {
  return std::chrono::system_clock::now();
}

// The end of a daemon's stderr, for a report that does not drown in debug lines.
std::string tail(const std::string& text, std::size_t n = 3'000) {
  return text.size() <= n ? text : "…" + text.substr(text.size() - n);
}

constexpr int killed_by_sigkill = 128 + SIGKILL;

// By plan, in the order of driver::plan.
std::string_view plan_name(int p) {
  static constexpr std::string_view names[] = {"immediate", "after a change", "after a delivery",
                                               "during a slow delivery", "after a long run"};
  return names[p];
}

}  // namespace

driver::driver(e2e::environment& env, std::uint64_t seed, milliseconds poll_interval)
    : env_(env), random_(seed), poll_interval_(poll_interval), args_{"run", "--config", env.config_path().string()} {}

bool driver::chance(double p) {
  return std::bernoulli_distribution(p)(random_);
}

milliseconds driver::between(milliseconds lo, milliseconds hi) {
  return milliseconds{std::uniform_int_distribution<std::int64_t>(lo.count(), hi.count())(random_)};
}

void driver::pause(milliseconds lo, milliseconds hi) {
  std::this_thread::sleep_for(between(lo, hi));
}

std::string driver::guid() {
  std::uniform_int_distribution<std::uint64_t> any;
  const std::uint64_t hi = any(random_);
  const std::uint64_t lo = any(random_);
  // Version 4, variant 10, like the GUIDs Azure makes.
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xfff,
                     0x8000 | ((lo >> 48) & 0x3fff), lo & 0xffffffffffff);
}

void driver::add() {
  fake::role_assignment a;
  a.name = guid();
  a.role_definition_id = std::string(fake::user_access_administrator_id);
  a.principal_id = guid();
  a.principal_type = "User";
  a.created_by = a.principal_id;
  assignment_span s;
  s.name = a.name;
  s.add_started = now();
  env_.azure().add_assignment(std::move(a));
  s.added = now();
  present_.push_back(spans_.size());
  spans_.push_back(std::move(s));
  ++counts_.created;
}

void driver::remove(std::size_t index) {
  assignment_span& s = spans_[present_[index]];
  s.remove_started = now();
  if (!env_.azure().remove_assignment(s.name)) {
    problems_.push_back("the fake did not know assignment " + s.name);
  }
  s.removed = now();
  present_.erase(present_.begin() + static_cast<std::ptrdiff_t>(index));
  ++counts_.removed;
}

// Between two and six assignments at "/" most of the time, so that removals and creations mix.
void driver::change() {
  const std::size_t n = present_.size();
  if (n < 2 || (n < 6 && chance(0.55))) {
    add();
    return;
  }
  remove(std::uniform_int_distribution<std::size_t>(0, n - 1)(random_));
}

driver::plan driver::pick_plan() {
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  if (u < 0.20) {
    return plan::immediate;
  }
  if (u < 0.45) {
    return plan::after_change;
  }
  if (u < 0.65) {
    return plan::after_delivery;
  }
  if (u < 0.80) {
    return plan::during_slow_delivery;
  }
  return plan::long_run;
}

// What the driver does while the daemon runs; the kill follows right after.
void driver::live(plan p) {
  switch (p) {
    case plan::immediate:  // during start-up, the first token request or the first cycle
      pause(milliseconds{0}, milliseconds{400});
      break;
    case plan::after_change:
      pause(milliseconds{0}, milliseconds{1'500});
      change();
      pause(milliseconds{0}, milliseconds{1'200});
      break;
    case plan::after_delivery: {
      // Right after the receiver answered: the daemon is about to record the delivery.
      if (chance(0.5)) {
        change();
      }
      const std::size_t before = env_.receiver().deliveries().size();
      env_.receiver().wait_for([before](const auto& d) { return d.size() > before; }, milliseconds{4'000});
      if (chance(0.5)) {
        pause(milliseconds{0}, milliseconds{30});
      }
      break;
    }
    case plan::during_slow_delivery:
      // Shorter or longer than the sink's 2 s timeout: answered late, or given up by the daemon.
      env_.receiver().delay_next(1, between(milliseconds{500}, milliseconds{3'000}));
      ++counts_.delays_scripted;
      change();
      pause(milliseconds{900}, milliseconds{2'500});
      break;
    case plan::long_run: {
      auto left = between(milliseconds{3'000}, milliseconds{6'500});
      while (left > milliseconds{0}) {
        const auto step = std::min(left, between(milliseconds{400}, milliseconds{1'800}));
        std::this_thread::sleep_for(step);
        left -= step;
        if (chance(0.7)) {
          change();
        }
      }
      break;
    }
  }
}

void driver::end_life(e2e::child& daemon, life& l) {
  l.killed = now();
  if (const auto code = daemon.wait(milliseconds{0})) {
    problems_.push_back(fmt::format("life {}: rootwatch exited by itself with code {} before the kill:\n{}", l.number,
                                    *code, tail(daemon.err())));
  } else {
    daemon.signal(SIGKILL);
    const auto killed = daemon.wait(milliseconds{10'000});
    if (killed != killed_by_sigkill) {
      problems_.push_back(fmt::format("life {}: rootwatch ended with {} instead of SIGKILL:\n{}", l.number,
                                      killed.value_or(-1), tail(daemon.err())));
    }
    ++counts_.kills;
  }
  l.reaped = now();
}

void driver::one_life() {
  if (chance(0.3)) {
    env_.receiver().fail_next(std::uniform_int_distribution<int>(1, 4)(random_), chance(0.5) ? 500 : 503);
    ++counts_.failures_scripted;
  }
  const plan p = pick_plan();
  life l;
  l.number = static_cast<int>(lives_.size()) + 1;
  l.plan = std::string(plan_name(static_cast<int>(p)));
  l.spawned = now();
  auto daemon = env_.start(args_);
  counts_.restarts += lives_.empty() ? 0 : 1;
  live(p);
  end_life(daemon, l);
  lives_.push_back(l);
  if (counts_.kills % 10 == 0) {
    check_database();
  }
  // While it is down: sometimes a change it has to find on restart; restart at once or a little later.
  if (chance(0.3)) {
    change();
  }
  if (chance(0.5)) {
    pause(milliseconds{0}, milliseconds{500});
  }
}

void driver::check_database() {
  const auto db = env_.dir() / "state" / "rootwatch.db";
  if (!std::filesystem::exists(db)) {
    return;
  }
  const auto r = integrity_check(db);
  ++counts_.integrity_checks;
  const bool damaged =
      r.ran ? r.text != "ok"
            : r.text.find("malformed") != std::string::npos || r.text.find("not a database") != std::string::npos;
  if (damaged) {
    problems_.push_back(fmt::format("after kill {}: PRAGMA integrity_check: {}", counts_.kills, r.text));
  }
}

void driver::kill_phase(int min_kills, int kills, std::chrono::seconds soft_budget) {
  const auto started = std::chrono::steady_clock::now();
  while (counts_.kills < kills) {
    if (counts_.kills >= min_kills && std::chrono::steady_clock::now() - started > soft_budget) {
      break;
    }
    one_life();
  }
}

void driver::wait_for_listings(std::size_t more, milliseconds timeout) {
  const auto target = env_.azure().request_count(fake::azure_route::role_assignments) + more;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (env_.azure().request_count(fake::azure_route::role_assignments) < target &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds{50});
  }
}

std::optional<int> driver::final_life(const std::function<bool(const std::vector<fake::delivery>&)>& done,
                                      milliseconds timeout) {
  env_.receiver().fail_next(0, 503);
  env_.receiver().delay_next(0, milliseconds{0});
  life l;
  l.number = static_cast<int>(lives_.size()) + 1;
  l.plan = "SIGTERM at the end";
  l.spawned = now();
  auto daemon = env_.start(args_);
  ++counts_.restarts;
  env_.receiver().wait_for(done, timeout);
  // Two more cycles in peace: a false removal in the steady state would show up now.
  wait_for_listings(2, milliseconds{15'000});
  l.killed = now();
  daemon.signal(SIGTERM);
  const auto code = daemon.wait(milliseconds{15'000});
  l.reaped = now();
  lives_.push_back(l);
  if (code != 0) {
    problems_.push_back(
        fmt::format("the last life ended with {} after SIGTERM:\n{}", code.value_or(-1), tail(daemon.err())));
  }
  return code;
}

}  // namespace rootwatch::kill
