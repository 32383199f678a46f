#pragma once

// sd_notify(3): READY=1 only when really ready, STATUS= for `systemctl status`, WATCHDOG=1
// from the event loop itself, STOPPING=1 and RELOADING=1. Without $NOTIFY_SOCKET (a container,
// a terminal) every call is a no-op.

#include "common/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::ops {

class systemd_notifier {
 public:
  void ready(std::string_view status);
  // Sent only when it differs from the last STATUS= sent: it is set after every cycle of every
  // tenant, and a thousand tenants would otherwise open a socket a thousand times a minute to
  // say the same line. Returns whether it was sent.
  bool status(std::string_view status);
  void stopping();
  void reloading();
  void watchdog();
  // Half of WatchdogSec when the unit asks for a watchdog.
  std::optional<milliseconds> watchdog_interval() const;

 private:
  std::string last_status_;
};

}  // namespace rootwatch::ops
