#pragma once

// `rootwatch check`: one full cycle for every tenant (detect, commit), one delivery attempt
// for every queued alert, a summary on stdout, and an exit code for scripts:
// 0 nothing firing, 1 alerts firing, 2 an error (configuration, credentials, Azure API, or an
// alert that could not be delivered while nothing is firing).

#include "app/options.hpp"
#include "common/asio.hpp"

#include <string>

namespace rootwatch::app {

inline constexpr int exit_quiet = 0;
inline constexpr int exit_firing = 1;
inline constexpr int exit_error = 2;

awaitable<int> run_check(options opts);

// `rootwatch test-alert --sink NAME`: a clearly marked test alert, sent straight to the sink.
awaitable<int> run_test_alert(options opts, std::string sink_name);

}  // namespace rootwatch::app
