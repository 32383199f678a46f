#pragma once

// A local program run to completion on the io_context, for the credentials that ask a tool
// for a token (the Azure CLI). No shell ever sees the command line: each argv element reaches
// the program as one argument, whatever it holds. The child gets only the environment given,
// stdin from /dev/null, its own process group, and a deadline; at the deadline, or when its
// output passes the limit, the whole group is killed and the child reaped, so nothing is left
// running and no zombie stays behind.

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::auth {

struct process_request {
  std::vector<std::string> argv;           // argv[0] is the program's path, used as given
  std::vector<std::string> environment;    // "NAME=value": all the child gets
  milliseconds timeout{30'000};            // from the start until the child has exited
  std::size_t output_limit = 1024 * 1024;  // per stream; more and the child is killed
};

enum class process_end {
  exited,           // exit_code is its status
  signalled,        // a signal that was not ours ended it; signal says which
  timed_out,        // still running at the deadline: killed
  too_much_output,  // wrote more than output_limit to `overflowed`: killed
};

struct process_outcome {
  process_end end = process_end::exited;
  int exit_code = 0;
  int signal = 0;
  std::string out;  // at most output_limit bytes each
  std::string err;
  std::string_view overflowed;  // "stdout" or "stderr" with too_much_output
};

// Errors are about starting it (not found, not executable, no pipes) and cancellation; how the
// child ended is the outcome. Runs on the calling coroutine's executor.
awaitable<result<process_outcome>> run_process(process_request request);

}  // namespace rootwatch::auth
