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
td{overflow-wrap:break-word}
code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.b{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.85em;font-weight:600;white-space:nowrap}
.good{background:#1a7f3722;color:#1a7f37}
.bad{background:#cf222e22;color:#cf222e}
.warn{background:#9a670022;color:#9a6700}
.calm{background:#8883}
.err{color:#cf222e;overflow-wrap:anywhere;font-size:.9em}
.tenant{margin-bottom:1.2em}
.delivery{margin-bottom:.25em}
@media (max-width:640px){
.stack thead{display:none}
.stack tr{display:block;border-bottom:1px solid #8884;padding:.35em 0}
.stack td{display:flex;gap:.6em;border:0;padding:.1em 0}
.stack td:empty{display:none}
.stack td::before{content:attr(data-label);flex:0 0 6.5em;color:#777;font-size:.85em}
.stack td>div{min-width:0;flex:1}
}
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

// A table whose rows become labelled blocks on a narrow screen (see the style): every cell
// carries its column's name.
using cells = std::vector<std::pair<std::string_view, std::string>>;

std::string table_start(const std::vector<std::string_view>& columns) {
  std::string out = "<div class=\"scroll\"><table class=\"stack\"><thead><tr>";
  for (const auto c : columns) {
    fmt::format_to(std::back_inserter(out), "<th>{}</th>", c);
  }
  return out + "</tr></thead><tbody>\n";
}

constexpr std::string_view table_end = "</tbody></table></div>\n";

std::string row(const cells& cs) {
  std::string out = "<tr>";
  for (const auto& [label, content] : cs) {
    // One box for the content, so that on a narrow screen it sits beside its label as a whole.
    if (content.empty()) {
      fmt::format_to(std::back_inserter(out), "<td data-label=\"{}\"></td>", label);
    } else {
      fmt::format_to(std::back_inserter(out), "<td data-label=\"{}\"><div>{}</div></td>", label, content);
    }
  }
  return out + "</tr>\n";
}

std::string error_text(std::string_view text) {
  return text.empty() ? std::string{} : fmt::format("<span class=\"err\">{}</span>", html_escape(text));
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
                 format_iso8601(std::chrono::time_point_cast<seconds>(d.now)),
                 d.stopping ? "shutting down" : (d.ready ? "ready" : "not ready yet"));
}

void render_sources(std::string& out, timestamp now, const tenant_health& t) {
  if (t.sources.empty()) {
    out += "<p class=\"muted\">no source has answered yet</p>\n";
    return;
  }
  out += table_start({"source", "status", "last result", "last success", "failures in a row", "last error"});
  for (const auto& [name, s] : t.sources) {
    const std::string_view kind = s.events_source ? "log" : (s.authoritative ? "snapshot, authoritative" : "snapshot");
    out += row({{"source", fmt::format("<code>{}</code><br><span class=\"muted\">{}</span>", html_escape(name), kind)},
                {"status", badge(s.status())},
                {"last result", ago(now, s.last_result)},
                {"last success", ago(now, s.last_success)},
                {"failures in a row", std::to_string(s.consecutive_failures)},
                {"last error", error_text(s.last_error)}});
  }
  out += table_end;
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
  out += table_start({"state", "role", "principal", "scope", "rule", "first seen"});
  for (const auto& a : list->rows) {
    const std::string state = a.firing ? badge("firing") + " " + badge(a.severity)
                                       : fmt::format("<span class=\"muted\">{}</span>", quiet_reason(a));
    out += row({{"state", state},
                {"role", fmt::format("<span title=\"{}\">{}</span>", html_escape(a.role_id), html_escape(a.role_name))},
                {"principal", principal_cell(a.principal_name, a.principal_id, a.principal_type)},
                {"scope", fmt::format("<code>{}</code>", html_escape(a.scope))},
                {"rule", html_escape(a.rule)},
                {"first seen", ago(now, a.first_seen)}});
  }
  out += table_end;
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
    out += table_start({"sink", "pending"});
    for (const auto& [sink, n] : b.pending_by_sink) {
      out += row({{"sink", fmt::format("<code>{}</code>", html_escape(sink))}, {"pending", std::to_string(n)}});
    }
    out += table_end;
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
  out += table_start({"when", "alert", "tenant", "about", "delivery per sink"});
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& a = d.alerts[i];
    out += row(
        {{"when", ago(d.now, a.at)},
         {"alert", fmt::format("<code>{}</code><br>{} {}", html_escape(a.kind), badge(a.severity), badge(a.status))},
         {"tenant", html_escape(a.tenant_name)},
         {"about", alert_subject(a)},
         {"delivery per sink", delivery_cell(d.now, a.deliveries)}});
  }
  out += table_end;
  out += "</section>\n";
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
