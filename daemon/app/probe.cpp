#include "app/probe.hpp"

#include "common/echo.hpp"
#include "common/json.hpp"
#include "common/listen_address.hpp"
#include "common/local_http_url.hpp"
#include "common/text.hpp"
#include "net/url.hpp"

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

// A probe is not a monitoring system: the deadline is kept below a HEALTHCHECK's usual timeout,
// and a minute would hide the hang it is there to find.
constexpr milliseconds max_probe_timeout{60'000};

// /healthz's body holds every tenant's last error; only its "status" is worth a line.
constexpr std::size_t probe_body_limit = 1024 * 1024;

result<milliseconds> parse_probe_timeout(std::string_view text) {
  const auto d = parse_duration(text);
  if (!d || d->count() <= 0 || *d > max_probe_timeout) {
    const auto shown = echo_value(text);
    return make_error(error_kind::config,
                      fmt::format("--timeout: {}is not a duration from \"1ms\" to \"{}\", such as \"3s\"",
                                  shown.empty() ? "the value " : shown + " ", format_duration(max_probe_timeout)));
  }
  return *d;
}

std::string healthz_status(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("status") && parsed["status"].is_string()) {
    return escape_control(cut_utf8(parsed["status"].get<std::string>(), 64));
  }
  return "";
}

}  // namespace

result<probe_options> parse_probe_arguments(const std::vector<std::string>& args) {
  probe_options out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string flag = a;
    std::optional<std::string> value;
    if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[i + 1];
    }
    if (flag != "--url" && flag != "--timeout") {
      return make_error(error_kind::config, fmt::format("unexpected argument {}; usage: rootwatch probe [--url URL | "
                                                        "--config FILE] [--timeout DURATION]",
                                                        echo_value(a)));
    }
    if (!value) {
      return make_error(error_kind::config, fmt::format("{} needs a value", flag));
    }
    if (flag == a) {
      ++i;
    }
    if (flag == "--url") {
      out.url = *value;
      continue;
    }
    auto timeout = parse_probe_timeout(*value);
    if (!timeout) {
      return timeout.error();
    }
    out.timeout = *timeout;
  }
  return out;
}

result<std::string> probe_url_for_listen(std::string_view listen) {
  if (listen.empty()) {
    return make_error(error_kind::config,
                      "the health listener is turned off ([daemon] listen = \"\"): there is nothing to probe");
  }
  auto address = parse_listen(listen);
  if (!address) {
    return address.error();
  }
  if (address->port == 0) {
    return make_error(error_kind::config,
                      "[daemon] listen has port 0, picked anew at every start: give the port, or --url");
  }
  std::string host = address->host;
  if (host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host == "::") {
    host = "::1";
  }
  const std::string url = host.find(':') != std::string::npos
                              ? fmt::format("http://[{}]:{}/healthz", host, address->port)
                              : fmt::format("http://{}:{}/healthz", host, address->port);
  if (!parse_local_http_url(url)) {
    return make_error(error_kind::config,
                      fmt::format("[daemon] listen {} is not reachable on loopback: give --url", echo_value(listen)));
  }
  return url;
}

probe_outcome judge_probe_answer(std::string_view url, const net::local_answer& answer) {
  if (!answer.answer) {
    return {probe_unhealthy, fmt::format("unhealthy: {}", answer.answer.error().message)};
  }
  const auto& res = *answer.answer;
  const std::string shown = net::redact_url(url);
  const std::string status = healthz_status(res.body);
  const std::string said = status.empty() ? "" : fmt::format(", status {}", status);
  if (res.status >= 200 && res.status < 300) {
    return {probe_healthy, fmt::format("healthy: {} answered {}{}", shown, res.status, said)};
  }
  return {probe_unhealthy, fmt::format("unhealthy: {} answered {}{}", shown, res.status, said)};
}

awaitable<probe_outcome> run_probe(asio::any_io_executor ex, std::string url, milliseconds timeout) {
  if (auto parsed = parse_local_http_url(url); !parsed) {
    co_return probe_outcome{probe_usage, fmt::format("cannot probe: --url: {}", parsed.error().message)};
  }
  net::request req;
  req.url = url;
  req.what = "health probe";
  req.timeout = timeout;
  req.body_limit = probe_body_limit;
  const auto answer = co_await net::send_local_http(ex, std::move(req));
  co_return judge_probe_answer(url, answer);
}

}  // namespace rootwatch::app
