#pragma once

// Per-sink circuit breaker. A receiver that cannot be reached (no TCP connection, no TLS, no
// answer) is not tried once per queued row: after `threshold` consecutive attempts without an
// answer the breaker opens, and from then on one probe attempt at a time goes out at the
// backoff pace (exponential between retry_initial_backoff and retry_max_backoff, with jitter).
// The first answer of any kind (even a 5xx: the receiver is there) closes it, and the sink
// goes at full speed again. Pure: the wall clock and the jitter are passed in.

#include "common/time.hpp"

namespace rootwatch::sinks {

class circuit_breaker {
 public:
  enum class change { none, opened, closed };
  // What an attempt learned about the receiver.
  enum class reach { answered, unreachable, unknown };  // unknown: no request went out

  circuit_breaker(int threshold, milliseconds initial_backoff, milliseconds max_backoff);

  bool open() const { return open_; }
  bool probing() const { return probing_; }
  // Whether an attempt may start at `now`: always when closed; when open, only the one probe,
  // once it is due and no other probe is out.
  bool may_start(timestamp now) const;
  // An attempt starts; returns whether it is the probe (only when open).
  bool start();
  // The outcome of an attempt `start` began; `probe` is what start returned.
  change finish(bool probe, reach r, timestamp now, double jitter01);
  // When the next probe may go out (meaningful when open).
  timestamp probe_at() const { return probe_at_; }
  int consecutive_unreachable() const { return unreachable_; }

 private:
  void schedule_probe(timestamp now, double jitter01);

  int threshold_;
  milliseconds initial_backoff_;
  milliseconds max_backoff_;
  bool open_ = false;
  bool probing_ = false;
  int unreachable_ = 0;    // consecutive attempts without an answer
  int failed_probes_ = 0;  // since it opened: sets the backoff
  timestamp probe_at_{};
};

}  // namespace rootwatch::sinks
