#include "sinks/circuit_breaker.hpp"

#include "net/retry.hpp"

#include <algorithm>

namespace rootwatch::sinks {

circuit_breaker::circuit_breaker(int threshold, milliseconds initial_backoff, milliseconds max_backoff)
    : threshold_(std::max(1, threshold)), initial_backoff_(initial_backoff), max_backoff_(max_backoff) {}

bool circuit_breaker::may_start(timestamp now) const {
  return !open_ || (!probing_ && now >= probe_at_);
}

bool circuit_breaker::start() {
  if (!open_) {
    return false;
  }
  probing_ = true;
  return true;
}

circuit_breaker::change circuit_breaker::finish(bool probe, reach r, timestamp now, double jitter01) {
  if (probe) {
    probing_ = false;
  }
  if (r == reach::answered) {
    unreachable_ = 0;
    failed_probes_ = 0;
    if (open_) {
      open_ = false;
      return change::closed;
    }
    return change::none;
  }
  if (r == reach::unreachable) {
    ++unreachable_;
  }
  if (!open_) {
    if (unreachable_ >= threshold_) {
      open_ = true;
      failed_probes_ = 0;
      schedule_probe(now, jitter01);
      return change::opened;
    }
    return change::none;
  }
  // Open: a failed probe (or one that could not go out) backs off further; attempts that were
  // already under way when it opened change nothing.
  if (probe) {
    ++failed_probes_;
    schedule_probe(now, jitter01);
  }
  return change::none;
}

void circuit_breaker::schedule_probe(timestamp now, double jitter01) {
  net::retry_policy policy;
  policy.initial_backoff = initial_backoff_;
  policy.max_backoff = max_backoff_;
  policy.max_retry_after = max_backoff_;
  probe_at_ = now + net::backoff_delay(failed_probes_ + 1, policy, std::nullopt, jitter01);
}

}  // namespace rootwatch::sinks
