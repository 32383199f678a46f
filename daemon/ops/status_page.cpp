#include "ops/status_page.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace rootwatch::ops {
namespace {

// Mobile first: tables scroll sideways inside their own box instead of widening the page, and
// long ids wrap anywhere. Colours work on light and dark backgrounds alike.
constexpr std::string_view style = R"css(
:root{color-scheme:light dark}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:12px;max-width:1200px}
h1{font-size:1.35em;margin:.2em 0}
h2{font-size:1.15em;margin:1.4em 0 .4em;padding-bottom:.2em;border-bottom:1px solid #8885}
h3{font-size:1.05em;margin:1em 0 .3em}
h4{font-size:.95em;margin:.8em 0 .3em}
p{margin:.3em 0}
.meta,.muted{color:#777}
.meta{font-size:.9em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.3em 0}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #8884;vertical-align:top}
th{white-space:nowrap}
td{overflow-wrap:anywhere;min-width:3.5em}
code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.b{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.85em;font-weight:600;white-space:nowrap}
.good{background:#1a7f3722;color:#1a7f37}
.bad{background:#cf222e22;color:#cf222e}
.warn{background:#9a670022;color:#9a6700}
.calm{background:#8883}
.err{color:#cf222e;overflow-wrap:anywhere;font-size:.9em}
.tenant{margin-bottom:1.2em}
.delivery{margin-bottom:.25em}
)css";

// The badge colour of a status word. Words come from our own code or from the store; anything
// unknown is shown calm rather than guessed at.
std::string_view tone(std::string_view word) {
  static constexpr std::string_view good[] = {"ok", "delivered", "ready", "resolved"};
  static constexpr std::string_view bad[] = {"error", "failing", "degraded", "dead", "firing", "critical", "high"};
  static constexpr std::string_view warn[] = {"starting", "pending", "stopping", "medium"};
  const auto in = [&](const auto& list) { return std::find(std::begin(list), std::end(list), word) != std::end(list); };
  if (in(good)) {
    return "good";
  }
  if (in(bad)) {
    return "bad";
  }
  if (in(warn)) {
    return "warn";
  }
  return "calm";
}

std::string badge(std::string_view word) {
  return fmt::format(R"(<span class="b {}">{}</span>)", tone(word), html_escape(word));
}

// "12s ago", with the exact time as a tooltip; "never" when there is none.
std::string ago(timestamp now, const std::optional<timestamp>& t) {
  if (!t) {
    return R"(<span class="muted">never</span>)";
  }
  const auto iso = format_iso8601(*t);
  return fmt::format(R"(<time datetime="{0}" title="{0}">{1} ago</time>)", iso, format_age(now, *t));
}

std::string_view overall(const status_page_data& d) {
  health_state h;
  h.tenants = d.tenants;
  if (d.stopping) {
    return "stopping";
  }
  if (h.degraded()) {
    return "degraded";
  }
  return h.starting() ? "starting" : "ok";
}

void render_header(std::string& out, const status_page_data& d) {
  const auto status = overall(d);
  fmt::format_to(std::back_inserter(out),
                 "<title>rootwatch: {0}</title>\n<style>{1}</style>\n</head>\n<body>\n<header>\n"
                 "<h1>rootwatch {2}</h1>\n"
                 "<p class=\"meta\">version <code>{3}</code> · config <code>{4}</code></p>\n"
                 "<p class=\"meta\">rendered <time datetime=\"{5}\">{5}</time> · {6} · refreshes every 10 s</p>\n"
                 "</header>\n",
                 html_escape(status), style, badge(status), html_escape(d.version), html_escape(d.config_path),
                 format_iso8601(d.now), d.stopping ? "shutting down" : (d.ready ? "ready" : "not ready yet"));
}

void render_sources(std::string& out, timestamp now, const tenant_health& t) {
  if (t.sources.empty()) {
    out += "<p class=\"muted\">no source has answered yet</p>\n";
    return;
  }
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>source</th><th>status</th><th>last result</th>"
      "<th>last success</th><th>failures in a row</th><th>last error</th></tr></thead><tbody>\n";
  for (const auto& [name, s] : t.sources) {
    const std::string role = s.events_source ? "log" : (s.authoritative ? "snapshot, decides presence" : "snapshot");
    fmt::format_to(std::back_inserter(out),
                   "<tr><td><code>{}</code><br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td>"
                   "<td>{}</td><td class=\"err\">{}</td></tr>\n",
                   html_escape(name), role, badge(s.status()), ago(now, s.last_result), ago(now, s.last_success),
                   s.consecutive_failures, html_escape(s.last_error));
  }
  out += "</tbody></table></div>\n";
}

std::string principal_cell(const std::optional<std::string>& name, std::string_view id, std::string_view type) {
  std::string out;
  if (name && !name->empty()) {
    out += html_escape(*name) + "<br>";
  }
  fmt::format_to(std::back_inserter(out), "<span class=\"id\">{}</span>", html_escape(id));
  if (!type.empty()) {
    fmt::format_to(std::back_inserter(out), " <span class=\"muted\">({})</span>", html_escape(type));
  }
  return out;
}

// Why an assignment that is there does not fire: said, so that a quiet row is not a mystery.
std::string quiet_reason(const status_assignment& a) {
  if (a.allowed) {
    return "not firing: allowed by its rule";
  }
  if (a.baselined) {
    return "not firing: there at the first start (silent baseline)";
  }
  if (a.rule.empty()) {
    return "not firing: no rule matches it";
  }
  return "not firing";
}

void render_assignments(std::string& out, timestamp now, const status_assignments* list) {
  if (list == nullptr) {
    out += "<h4>Assignments now</h4>\n<p class=\"muted\">not read yet</p>\n";
    return;
  }
  if (!list->error.empty()) {
    fmt::format_to(std::back_inserter(out), "<h4>Assignments now</h4>\n<p class=\"err\">cannot be read: {}</p>\n",
                   html_escape(list->error));
    return;
  }
  const auto firing = std::count_if(list->rows.begin(), list->rows.end(), [](const auto& a) { return a.firing; });
  fmt::format_to(std::back_inserter(out), "<h4>Assignments now: {}, {} firing</h4>\n", list->total, firing);
  if (list->rows.empty()) {
    out += "<p class=\"muted\">none</p>\n";
    return;
  }
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>state</th><th>role</th><th>principal</th><th>scope</th>"
      "<th>rule</th><th>first seen</th></tr></thead><tbody>\n";
  for (const auto& a : list->rows) {
    const std::string state = a.firing ? badge("firing") + " " + badge(a.severity)
                                       : fmt::format("<span class=\"muted\">{}</span>", quiet_reason(a));
    fmt::format_to(std::back_inserter(out),
                   "<tr><td>{}</td><td>{}<br><span class=\"id\">{}</span></td><td>{}</td><td><code>{}</code></td>"
                   "<td>{}</td><td>{}</td></tr>\n",
                   state, html_escape(a.role_name), html_escape(a.role_id),
                   principal_cell(a.principal_name, a.principal_id, a.principal_type), html_escape(a.scope),
                   html_escape(a.rule), ago(now, a.first_seen));
  }
  out += "</tbody></table></div>\n";
  if (list->total > static_cast<std::int64_t>(list->rows.size())) {
    fmt::format_to(std::back_inserter(out), "<p class=\"muted\">and {} more not listed</p>\n",
                   list->total - static_cast<std::int64_t>(list->rows.size()));
  }
}

void render_tenants(std::string& out, const status_page_data& d) {
  out += "<section id=\"tenants\">\n<h2>Tenants</h2>\n";
  if (d.tenants.empty()) {
    out += "<p class=\"muted\">no tenant is configured</p>\n";
  }
  for (const auto& [name, t] : d.tenants) {
    fmt::format_to(std::back_inserter(out), "<div class=\"tenant\">\n<h3>{} {}</h3>\n", html_escape(name),
                   badge(t.status()));
    if (!t.checked) {
      out += "<p class=\"muted\">starting: no cycle has finished yet</p>\n";
    } else {
      fmt::format_to(std::back_inserter(out), "<p>last good cycle {} · failed cycles in a row: {}</p>\n",
                     ago(d.now, t.last_success), t.consecutive_failures);
    }
    if (!t.last_error.empty()) {
      fmt::format_to(std::back_inserter(out), "<p class=\"err\">{}</p>\n", html_escape(t.last_error));
    }
    render_sources(out, d.now, t);
    const auto a = d.assignments.find(name);
    render_assignments(out, d.now, a == d.assignments.end() ? nullptr : &a->second);
    out += "</div>\n";
  }
  out += "</section>\n";
}

void render_backlog(std::string& out, const status_page_data& d) {
  out += "<section id=\"outbox\">\n<h2>Outbox</h2>\n";
  if (!d.backlog) {
    fmt::format_to(std::back_inserter(out), "<p class=\"err\">cannot be read: {}</p>\n</section>\n",
                   html_escape(d.backlog_error));
    return;
  }
  const auto& b = *d.backlog;
  fmt::format_to(std::back_inserter(out), "<p>{} pending deliveries · oldest pending: {}</p>\n", b.pending,
                 b.oldest_pending ? ago(d.now, b.oldest_pending) : "none");
  if (!b.pending_by_sink.empty()) {
    out += "<div class=\"scroll\"><table><thead><tr><th>sink</th><th>pending</th></tr></thead><tbody>\n";
    for (const auto& [sink, n] : b.pending_by_sink) {
      fmt::format_to(std::back_inserter(out), "<tr><td><code>{}</code></td><td>{}</td></tr>\n", html_escape(sink), n);
    }
    out += "</tbody></table></div>\n";
  }
  out += "</section>\n";
}

std::string delivery_cell(timestamp now, const std::vector<status_delivery>& deliveries) {
  std::string out;
  for (const auto& d : deliveries) {
    fmt::format_to(std::back_inserter(out), "<div class=\"delivery\"><code>{}</code> {} {} attempt{}",
                   html_escape(d.sink), badge(d.state), d.attempts, d.attempts == 1 ? "" : "s");
    if (d.finished_at) {
      fmt::format_to(std::back_inserter(out), ", {}", ago(now, d.finished_at));
    } else if (d.state == "pending" && d.next_attempt_at > now) {
      fmt::format_to(std::back_inserter(out), ", next in {}", format_age(d.next_attempt_at, now));
    }
    if (d.last_error && !d.last_error->empty()) {
      fmt::format_to(std::back_inserter(out), "<div class=\"err\">{}</div>", html_escape(*d.last_error));
    }
    out += "</div>";
  }
  return out;
}

std::string alert_subject(const status_alert& a) {
  if (a.role_name.empty() && a.principal_id.empty()) {
    return "<span class=\"muted\">—</span>";
  }
  std::string out = html_escape(a.role_name);
  if (!a.principal_id.empty()) {
    out += "<br>" + principal_cell(a.principal_name.empty() ? std::nullopt : std::optional(a.principal_name),
                                   a.principal_id, {});
  }
  return out;
}

void render_alerts(std::string& out, const status_page_data& d) {
  const auto shown = std::min(d.alerts.size(), status_page_alerts);
  fmt::format_to(std::back_inserter(out), "<section id=\"alerts\">\n<h2>Last {} alerts</h2>\n", status_page_alerts);
  if (!d.alerts_error.empty()) {
    fmt::format_to(std::back_inserter(out), "<p class=\"err\">cannot be read: {}</p>\n", html_escape(d.alerts_error));
  }
  if (shown == 0) {
    out += "<p class=\"muted\">no alert yet</p>\n</section>\n";
    return;
  }
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>when</th><th>alert</th><th>tenant</th><th>about</th>"
      "<th>delivery per sink</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& a = d.alerts[i];
    fmt::format_to(std::back_inserter(out),
                   "<tr><td>{}</td><td><code>{}</code><br>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                   ago(d.now, a.at), html_escape(a.kind), badge(a.severity), badge(a.status),
                   html_escape(a.tenant_name), alert_subject(a), delivery_cell(d.now, a.deliveries));
  }
  out += "</tbody></table></div>\n</section>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  const std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (const char c : valid) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_age(timestamp now, timestamp then) {
  using std::chrono::duration_cast;
  const auto s = std::max<std::int64_t>(0, duration_cast<seconds>(now - then).count());
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m {}s", s / 60, s % 60);
  }
  if (s < 86400) {
    return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  }
  return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string render_status_page(const status_page_data& data) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"refresh\" content=\"10\">\n";
  render_header(out, data);
  render_tenants(out, data);
  render_backlog(out, data);
  render_alerts(out, data);
  out +=
      "<footer class=\"meta\"><p>Read-only. Also: <a href=\"/healthz\">/healthz</a> · <a "
      "href=\"/readyz\">/readyz</a> · <a href=\"/metrics\">/metrics</a></p></footer>\n</body>\n</html>\n";
  return out;
}

net::server_response status_page_response(std::string html) {
  net::server_response res;
  res.headers = {
      {"Content-Type", "text/html; charset=utf-8"},
      {"Cache-Control", "no-store"},
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  res.body = std::move(html);
  return res;
}

}  // namespace rootwatch::ops
