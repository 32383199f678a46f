#pragma once

// The kill test's driver: runs the real daemon against the fake Azure and receiver, changes
// assignments at "/" and SIGKILLs the daemon at moments picked by a seeded RNG, restarting it
// each time with the same state directory. It records what it did, for the checks.

#include "e2e/harness.hpp"
#include "kill/timeline.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace rootwatch::kill {

struct driver_counts {
  int kills = 0;
  int restarts = 0;
  int created = 0;  // assignments added
  int removed = 0;
  int failures_scripted = 0;  // deliveries the receiver was told to refuse
  int delays_scripted = 0;    // deliveries the receiver was told to answer late
  int integrity_checks = 0;   // PRAGMA integrity_check between lives
};

class driver {
 public:
  driver(e2e::environment& env, std::uint64_t seed, milliseconds poll_interval);

  // Lives until `kills` SIGKILLs, or at least `min_kills` once `soft_budget` has passed.
  void kill_phase(int min_kills, int kills, std::chrono::seconds soft_budget);
  // One more life with a healthy receiver, until `done` holds for the deliveries (or the
  // timeout passes) and two more listings went by; then SIGTERM. The exit code, or nullopt.
  std::optional<int> final_life(const std::function<bool(const std::vector<fake::delivery>&)>& done,
                                milliseconds timeout);

  const std::vector<life>& lives() const { return lives_; }
  const std::vector<assignment_span>& spans() const { return spans_; }
  const driver_counts& counts() const { return counts_; }
  // Things that went wrong while driving: the daemon exiting by itself, a damaged database.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  enum class plan { immediate, after_change, after_delivery, during_slow_delivery, long_run };

  void one_life();
  void live(plan p);
  void end_life(e2e::child& daemon, life& l);
  plan pick_plan();
  void change();
  void add();
  void remove(std::size_t index);
  void check_database();
  void wait_for_listings(std::size_t more, milliseconds timeout);

  bool chance(double p);
  milliseconds between(milliseconds lo, milliseconds hi);
  void pause(milliseconds lo, milliseconds hi);
  std::string guid();

  e2e::environment& env_;
  std::mt19937_64 random_;
  milliseconds poll_interval_;
  std::vector<std::string> args_;
  std::vector<life> lives_;
  std::vector<assignment_span> spans_;
  std::vector<std::size_t> present_;  // indexes into spans_
  driver_counts counts_;
  std::vector<std::string> problems_;
};

}  // namespace rootwatch::kill
