#pragma once

#include "common/time.hpp"

namespace rootwatch {

// Wall-clock time, passed in so that decisions can be tested with a manual clock.
class clock {
 public:
  virtual ~clock() = default;
  virtual timestamp now() const = 0;
};

class system_clock_source final : public clock {
 public:
  timestamp now() const override { return std::chrono::system_clock::now(); }
};

// For tests: time moves only when told to.
class manual_clock final : public clock {
 public:
  explicit manual_clock(timestamp start) : now_(start) {}
  timestamp now() const override { return now_; }
  void set(timestamp t) { now_ = t; }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }

 private:
  timestamp now_;
};

}  // namespace rootwatch
