#pragma once

// watch.delivery_failed: a sink gave up on an alert (its receiver refused it, or stayed down
// past give_up_after, or the outbox's bound was reached). It goes to the other sinks, so that a
// receiver that is gone is not the only one that could have said so. Pure.

#include "engine/model.hpp"

#include <string_view>

namespace rootwatch::engine {

struct lost_delivery {
  std::string_view sink;
  std::string_view error;  // why the last attempt failed, already free of secrets
  int attempts = 0;
};

// About `lost`, for the sinks other than `what.sink`. Same id on every replica and restart for
// one (alert, sink); at least as severe as the alert it is about, and never below high.
alert delivery_failed_alert(const alert& lost, const lost_delivery& what, timestamp now);

}  // namespace rootwatch::engine
