#pragma once

// `rootwatch check`: one full cycle for every tenant (detect, commit), then delivery of every
// queued alert, retried with each sink's backoff for up to --deliver-for; a summary on stdout,
// and an exit code for scripts: 0 nothing firing and everything delivered, 1 alerts firing,
// 2 an error (configuration, credentials, Azure API) or alerts still undelivered when the time
// was up. Run from cron, nothing else retries until the next run, so one 503 must not leave an
// alert waiting for hours.

#include "app/options.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace rootwatch::app {

inline constexpr int exit_quiet = 0;
inline constexpr int exit_firing = 1;
inline constexpr int exit_error = 2;

inline constexpr milliseconds default_deliver_for{60'000};
// Longer retries are the daemon's job; the bound also keeps a deadline far from overflow.
inline constexpr milliseconds max_deliver_for{24 * 3'600'000};

// The value of --deliver-for, a duration as in the configuration ("0s" is one attempt); an
// error naming the flag when it does not read or is longer than max_deliver_for.
result<milliseconds> parse_deliver_for(std::string_view text);

// A stop asked for by SIGINT or SIGTERM (main owns the signals). `check` listens while it
// delivers: it then stops retrying, reports what is still waiting, and exits on its own.
// Before that, nothing listens, and the signal should keep its default effect.
class check_interrupt {
 public:
  // True when `check` took the request and will end soon; false when nobody listens (or a
  // stop was already asked for), and the caller should let the signal act.
  bool request();
  bool requested() const { return requested_; }

  // For `check`: `on_stop` runs once, on the first request while listening.
  void listen(std::function<void()> on_stop);
  void stop_listening();

 private:
  std::function<void()> on_stop_;
  bool requested_ = false;
};

struct check_options {
  milliseconds deliver_for = default_deliver_for;
};

awaitable<int> run_check(options opts, check_options how, check_interrupt& interrupt);

// `rootwatch test-alert --sink NAME`: a clearly marked test alert, sent straight to the sink;
// prints the receiver's answer (status and the first line of its body). 0 on a 2xx, 2 otherwise.
awaitable<int> run_test_alert(options opts, std::string sink_name);

}  // namespace rootwatch::app
