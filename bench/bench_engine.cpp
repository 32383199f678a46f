// How long the pure engine and the store take per cycle, for tenants with few and with very
// many assignments at the watched scopes. Prints a table; asserts nothing.

#include "common/time.hpp"
#include "engine/alert_json.hpp"
#include "engine/cycle.hpp"
#include "store/state_store.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace {

using namespace rootwatch;
using clock_type = std::chrono::steady_clock;

engine::snapshot make_snapshot(std::size_t n, std::size_t offset) {
  engine::snapshot s;
  s.source = "arm";
  s.taken_at = *parse_iso8601("2026-01-01T00:00:00Z");
  for (std::size_t i = 0; i < n; ++i) {
    engine::assignment a;
    const auto k = i + offset;
    a.id = fmt::format("/providers/Microsoft.Authorization/roleAssignments/{:08x}-0000-4000-8000-{:012x}", k, k);
    a.scope = "/";
    a.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
    a.principal = {fmt::format("{:08x}-1111-4111-8111-111111111111", k), "User", std::nullopt};
    a.created_on = s.taken_at;
    s.assignments.push_back(std::move(a));
  }
  return s;
}

template <class F>
double per_call_us(int iterations, F&& f) {
  const auto start = clock_type::now();
  for (int i = 0; i < iterations; ++i) {
    f();
  }
  return std::chrono::duration<double, std::micro>(clock_type::now() - start).count() / iterations;
}

}  // namespace

int main() {
  const std::vector<engine::rule> rules{
      {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
  const engine::tenant_ref tenant{"8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14", "contoso"};
  std::printf("%-12s %16s %16s %18s %18s\n", "assignments", "steady cycle", "10% churn", "alert to JSON",
              "store commit");
  for (const std::size_t n : {1u, 10u, 100u, 1000u, 10000u}) {
    const auto first = make_snapshot(n, 0);
    const auto churned = make_snapshot(n, n / 10);
    engine::cycle_input in{
        tenant, nullptr, &first, &rules, engine::baseline_mode::alert, *parse_iso8601("2026-01-01T00:01:00Z"), {}};
    const auto base = engine::run_cycle(in);
    in.previous = &base.next;
    const int iterations = n >= 10000 ? 5 : (n >= 1000 ? 50 : 500);
    const double steady = per_call_us(iterations, [&] { (void)engine::run_cycle(in); });
    in.current = &churned;
    const double churn = per_call_us(iterations, [&] { (void)engine::run_cycle(in); });
    const double render = per_call_us(1000, [&] { (void)engine::to_json(base.alerts.front()).dump(); });

    const auto dir = std::filesystem::temp_directory_path() / fmt::format("rootwatch-bench-{}", ::getpid());
    std::filesystem::remove_all(dir);
    auto store = store::state_store::open(dir.string());
    double commit = 0;
    if (store) {
      const int commits = n >= 10000 ? 3 : 20;
      commit = per_call_us(commits,
                           [&] { (void)(*store)->commit_cycle(tenant.id, base.next, base.alerts, {"soc"}, in.now); });
    }
    std::filesystem::remove_all(dir);
    std::printf("%-12zu %13.1f us %13.1f us %15.2f us %15.1f us\n", n, steady, churn, render, commit);
  }
  std::printf(
      "\nsteady cycle: nothing changed; 10%% churn: a tenth removed and a tenth new;\n"
      "store commit: next state and alerts in one fsynced SQLite transaction (WAL, synchronous=FULL).\n");
  return 0;
}
