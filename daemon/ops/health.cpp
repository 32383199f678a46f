#include "ops/health.hpp"

#include "common/json.hpp"
#include "common/metrics.hpp"
#include "ops/status_page.hpp"

#include <fmt/format.h>

namespace rootwatch::ops {
namespace {

json optional_time(const std::optional<timestamp>& t) {
  return t ? json(format_iso8601(*t)) : json();
}

json sources_json(const std::map<std::string, source_health>& sources) {
  json out = json::object();
  for (const auto& [name, s] : sources) {
    out[name] = {{"status", s.status()},
                 {"authoritative", s.authoritative},
                 {"last_result", optional_time(s.last_result)},
                 {"last_success", optional_time(s.last_success)},
                 {"last_error", s.last_error},
                 {"consecutive_failures", s.consecutive_failures},
                 {"degraded", s.degraded},
                 {"disagreements", s.disagreements}};
    if (s.events_source) {
      out[name]["kind"] = "events";
      out[name]["events"] = s.events;
      out[name]["read_until"] = optional_time(s.read_until);
    } else {
      out[name]["kind"] = "snapshot";
    }
  }
  return out;
}

}  // namespace

std::string_view tenant_health::status() const {
  if (!checked) {
    return "starting";
  }
  return ok ? "ok" : "failing";
}

std::string_view source_health::status() const {
  return ok ? "ok" : "error";
}

bool health_state::degraded() const {
  for (const auto& [name, t] : tenants) {
    if (t.checked && !t.ok) {
      return true;
    }
  }
  return false;
}

bool health_state::starting() const {
  for (const auto& [name, t] : tenants) {
    if (!t.checked) {
      return true;
    }
  }
  return false;
}

std::string health_state::status_line() const {
  std::size_t ok = 0;
  std::size_t firing = 0;
  for (const auto& [name, t] : tenants) {
    ok += t.ok ? 1 : 0;
    firing += t.firing;
  }
  return fmt::format("{}/{} tenants watched, {} assignments firing, {} deliveries pending", ok, tenants.size(), firing,
                     pending_deliveries);
}

net::request_handler health_handler(const health_state& state, const metrics& stats, status_page_source status_page) {
  return [&state, &stats, status_page = std::move(status_page)](const net::server_request& req) {
    net::server_response res;
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.headers.push_back({"Allow", "GET, HEAD"});
      return res;
    }
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/" && status_page) {
      return status_page_response(render_status_page(status_page()));
    }
    if (path == "/healthz" || path == "/-/healthy") {
      const char* status = state.degraded() ? "degraded" : (state.starting() ? "starting" : "ok");
      json body = {{"status", status}, {"tenants", json::object()}};
      for (const auto& [name, t] : state.tenants) {
        body["tenants"][name] = {{"status", t.status()},
                                 {"ok", t.ok},
                                 {"checked", t.checked},
                                 {"consecutive_failures", t.consecutive_failures},
                                 {"last_success", t.last_success ? json(format_iso8601(*t.last_success)) : json()},
                                 {"last_error", t.last_error},
                                 {"firing", t.firing},
                                 {"sources", sources_json(t.sources)}};
      }
      res.headers.push_back({"Content-Type", "application/json"});
      // last_error may end inside a multi-byte character (error messages are cut at a byte
      // limit); strict dump() would throw and turn the liveness probe into a 500.
      res.body = dump_tolerant(body) + "\n";
    } else if (path == "/readyz" || path == "/-/ready") {
      const bool ready = state.ready && !state.stopping;
      res.status = ready ? 200 : 503;
      res.headers.push_back({"Content-Type", "text/plain"});
      res.body = ready ? "ready\n" : (state.stopping ? "stopping\n" : "starting\n");
    } else if (path == "/metrics") {
      res.headers.push_back({"Content-Type", "text/plain; version=0.0.4"});
      res.body = stats.exposition();
    } else {
      res.status = 404;
      res.headers.push_back({"Content-Type", "text/plain"});
      res.body = status_page ? "not found: try / (the status page), /healthz, /readyz or /metrics\n"
                             : "not found: try /healthz, /readyz or /metrics\n";
    }
    return res;
  };
}

}  // namespace rootwatch::ops
