#include "ops/systemd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

#include <fmt/format.h>

namespace rootwatch::ops {
namespace {

void notify(const std::string& message) {
  // A failure to notify must not stop the daemon; systemd notices a missing READY itself.
  (void)sd_notify(0, message.c_str());
}

}  // namespace

void systemd_notifier::ready(std::string_view status) {
  last_status_ = status;
  notify(fmt::format("READY=1\nSTATUS={}", status));
}

bool systemd_notifier::status(std::string_view status) {
  if (status == last_status_) {
    return false;
  }
  last_status_ = status;
  notify(fmt::format("STATUS={}", status));
  return true;
}

void systemd_notifier::stopping() {
  last_status_ = "stopping";
  notify("STOPPING=1\nSTATUS=stopping");
}

void systemd_notifier::reloading() {
  // MONOTONIC_USEC lets a future Type=notify-reload unit (systemd 253+) match the reload.
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
  last_status_ = "reloading configuration";
  notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading configuration", usec));
}

void systemd_notifier::watchdog() {
  notify("WATCHDOG=1");
}

std::optional<milliseconds> systemd_notifier::watchdog_interval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
    return std::nullopt;
  }
  return milliseconds{static_cast<std::int64_t>(usec / 2000)};
}

}  // namespace rootwatch::ops
