#pragma once

// sd_notify(3): READY=1 only when really ready, STATUS= for `systemctl status`, WATCHDOG=1
// from the event loop itself, STOPPING=1 and RELOADING=1. Without $NOTIFY_SOCKET (a container,
// a terminal) every call is a no-op.

#include "common/time.hpp"

#include <optional>
#include <string_view>

namespace rootwatch::ops {

class systemd_notifier {
 public:
  void ready(std::string_view status);
  void status(std::string_view status);
  void stopping();
  void reloading();
  void watchdog();
  // Half of WatchdogSec when the unit asks for a watchdog.
  std::optional<milliseconds> watchdog_interval() const;
};

}  // namespace rootwatch::ops
