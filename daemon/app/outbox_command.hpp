#pragma once

// `rootwatch outbox list|retry|drop`: the operator's look at pending and dead deliveries, and
// the two things to do about them. Safe while the daemon runs (see store/outbox_admin.hpp);
// a running daemon's dispatchers look at the outbox at least every 30 s, so a retried row goes
// out within that. Exit 0 when done, 2 on a usage error or when the database cannot be used.

#include "common/error.hpp"
#include "common/time.hpp"
#include "config/settings.hpp"
#include "store/outbox_admin.hpp"

#include <string>
#include <vector>

namespace rootwatch::app {

enum class outbox_action { list, retry, drop };

struct outbox_request {
  outbox_action action = outbox_action::list;
  store::outbox_filter filter;  // states already set: list's default, or retry --all-dead
  bool json_lines = false;
};

// What follows `rootwatch outbox` on the command line, --config and its value taken out:
//   list  [--state pending|dead|delivered|all[,...]] [--sink NAME] [--alert ID] [--seq N...] [--json]
//   retry (--seq N... | --alert ID | --sink NAME | --all-dead)   (selectors combine: all must hold)
//   drop  (--seq N... | --alert ID | --sink NAME)
// --seq takes "N", "N,M" and further numbers as separate arguments. An error says what is
// wrong, for the operator.
result<outbox_request> parse_outbox_arguments(const std::vector<std::string>& args);

struct command_output {
  int code = 0;
  std::string out;
  std::string err;
};

// Runs the request against the database under cfg's state_dir.
command_output run_outbox(const config::settings& cfg, const outbox_request& request, timestamp now);

// One line per row under a header, columns aligned; text from the database (a receiver's
// error) with control characters made spaces.
std::string outbox_table(const std::vector<store::outbox_row>& rows);
// One JSON object, no newline.
std::string outbox_json_line(const store::outbox_row& row);

}  // namespace rootwatch::app
