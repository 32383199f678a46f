#pragma once

// `rootwatch probe`: the container's HEALTHCHECK without curl in the image. One GET of the
// daemon's own /healthz over plain HTTP on loopback (net/local_http: it talks to nothing but
// this machine), with a short deadline. /healthz is 200 whenever the event loop answers, so a
// failing probe means a hung or dead daemon, which a restart fixes.
// Exit 0 on a 2xx, 1 on anything else (another status, nothing listening, no answer in time),
// 2 when it cannot even try (usage, a URL that is not loopback http://, the listener off).

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "net/local_http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::app {

inline constexpr std::string_view default_probe_url = "http://127.0.0.1:9469/healthz";
inline constexpr milliseconds default_probe_timeout{3'000};

inline constexpr int probe_healthy = 0;
inline constexpr int probe_unhealthy = 1;
inline constexpr int probe_usage = 2;

struct probe_options {
  std::optional<std::string> url;  // --url; neither this nor a config: default_probe_url
  milliseconds timeout = default_probe_timeout;
};

// What follows `rootwatch probe` on the command line, --config and its value taken out:
//   [--url URL] [--timeout DURATION]
result<probe_options> parse_probe_arguments(const std::vector<std::string>& args);

// The /healthz URL of a [daemon] listen value. A wildcard address is reached on its loopback
// ("0.0.0.0" on 127.0.0.1, "::" on ::1); an address that is neither loopback nor a wildcard, port
// 0 (picked at start-up) and the listener turned off ("") are errors that say so.
result<std::string> probe_url_for_listen(std::string_view listen);

struct probe_outcome {
  int code = probe_unhealthy;
  std::string line;  // one line for the operator (and docker inspect's health log), no newline
};

// What an answer means: 2xx healthy, with /healthz's "status" when the body has one.
probe_outcome judge_probe_answer(std::string_view url, const net::local_answer& answer);

// Checks the URL first (probe_usage when it is not loopback http://), then sends.
awaitable<probe_outcome> run_probe(asio::any_io_executor ex, std::string url, milliseconds timeout);

}  // namespace rootwatch::app
