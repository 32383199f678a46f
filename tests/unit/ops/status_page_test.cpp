// The status page's rendering, pure: data in, HTML out. Text checks look for what a person
// reads; escaping checks look for what a browser would run.

#include "ops/status_page.hpp"

#include "common/metrics.hpp"
#include "common/text.hpp"
#include "net/http_types.hpp"
#include "ops/health.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::ops {
namespace {

const timestamp t0 = *parse_iso8601("2026-03-01T12:00:00Z");

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

bool has(const std::string& html, const std::string& what) {
  return html.find(what) != std::string::npos;
}

status_page_data base() {
  status_page_data d;
  d.version = "0.1.0";
  d.config_path = "/etc/rootwatch/rootwatch.toml";
  d.now = t0;
  d.ready = true;
  d.backlog = status_backlog{};
  return d;
}

tenant_health watched(timestamp last_success) {
  tenant_health t;
  t.checked = true;
  t.ok = true;
  t.last_success = last_success;
  source_health arm;
  arm.ok = true;
  arm.authoritative = true;
  arm.last_result = last_success;
  arm.last_success = last_success;
  t.sources["arm"] = arm;
  return t;
}

status_assignment uaa(const std::string& principal, bool firing) {
  status_assignment a;
  a.scope = "/";
  a.role_name = "User Access Administrator";
  a.role_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  a.principal_id = principal;
  a.principal_type = "User";
  a.rule = "anything-at-root";
  a.severity = "critical";
  a.firing = firing;
  a.first_seen = t0 - seconds{90};
  return a;
}

status_alert created_alert(const std::string& principal) {
  status_alert a;
  a.kind = "assignment.created";
  a.severity = "critical";
  a.status = "firing";
  a.tenant_name = "contoso";
  a.role_name = "User Access Administrator";
  a.principal_id = principal;
  a.at = t0 - seconds{30};
  status_delivery soc;
  soc.sink = "soc";
  soc.state = "delivered";
  soc.attempts = 1;
  soc.finished_at = t0 - seconds{29};
  a.deliveries.push_back(soc);
  return a;
}

// --- the page as a whole ---

TEST(status_page, is_one_self_contained_page_for_phones_that_refreshes_itself) {
  const auto html = render_status_page(base());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(has(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(has(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
  EXPECT_TRUE(has(html, "<meta http-equiv=\"refresh\" content=\"10\">"));
  EXPECT_TRUE(has(html, "<style>"));
  EXPECT_TRUE(has(html, "</html>\n"));
  // Nothing to fetch and nothing to run.
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_FALSE(has(html, "<link"));
  EXPECT_FALSE(has(html, "<img"));
  EXPECT_FALSE(has(html, "http://"));
  EXPECT_FALSE(has(html, "https://"));
  EXPECT_FALSE(has(html, "url("));
  EXPECT_FALSE(has(html, "@import"));
  // Wide tables scroll inside their box instead of widening the page.
  EXPECT_TRUE(has(html, ".scroll{overflow-x:auto"));
  // On a phone each row becomes a block of labelled lines.
  EXPECT_TRUE(has(html, "@media (max-width:640px)"));
  EXPECT_TRUE(has(html, ".stack td::before{content:attr(data-label)"));
}

TEST(status_page, says_the_version_the_config_file_and_when_it_was_rendered) {
  const auto html = render_status_page(base());
  EXPECT_TRUE(has(html, "version <code>0.1.0</code>"));
  EXPECT_TRUE(has(html, "config <code>/etc/rootwatch/rootwatch.toml</code>"));
  EXPECT_TRUE(has(html, "rendered <time datetime=\"2026-03-01T12:00:00Z\">2026-03-01T12:00:00Z</time>"));
  EXPECT_TRUE(has(html, "ready"));
}

TEST(status_page, empty_state_says_so_in_every_section) {
  const auto html = render_status_page(base());
  EXPECT_TRUE(has(html, "no tenant is configured"));
  EXPECT_TRUE(has(html, "0 pending deliveries · oldest pending: none"));
  EXPECT_TRUE(has(html, "Last 50 alerts"));
  EXPECT_TRUE(has(html, "no alert yet"));
  EXPECT_TRUE(has(html, "<title>rootwatch: ok</title>"));
}

TEST(status_page, overall_status_follows_the_tenants_and_shutdown) {
  auto d = base();
  d.tenants["contoso"] = {};
  EXPECT_TRUE(has(render_status_page(d), "<title>rootwatch: starting</title>"));
  d.tenants["contoso"] = watched(t0);
  EXPECT_TRUE(has(render_status_page(d), "<title>rootwatch: ok</title>"));
  d.tenants["contoso"].ok = false;
  EXPECT_TRUE(has(render_status_page(d), "<title>rootwatch: degraded</title>"));
  d.stopping = true;
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<title>rootwatch: stopping</title>"));
  EXPECT_TRUE(has(html, "shutting down"));
}

// --- tenants and sources ---

TEST(status_page, a_starting_tenant_says_no_cycle_has_finished) {
  auto d = base();
  d.tenants["contoso"] = {};
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<h3>contoso <span class=\"b warn\">starting</span></h3>"));
  EXPECT_TRUE(has(html, "starting: no cycle has finished yet"));
  EXPECT_TRUE(has(html, "no source has answered yet"));
  EXPECT_TRUE(has(html, "Assignments now</h4>\n<p class=\"muted\">not read yet"));
}

TEST(status_page, each_source_shows_its_last_result_and_age) {
  auto d = base();
  auto t = watched(t0 - seconds{42});
  source_health log;
  log.ok = true;
  log.events_source = true;
  log.last_result = t0 - std::chrono::minutes{5} - seconds{3};
  log.last_success = log.last_result;
  t.sources["activity_log"] = log;
  d.tenants["contoso"] = t;
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<h3>contoso <span class=\"b good\">ok</span></h3>"));
  EXPECT_TRUE(has(html, "<code>arm</code><br><span class=\"muted\">snapshot, authoritative</span>"));
  EXPECT_TRUE(has(html, "<code>activity_log</code><br><span class=\"muted\">log</span>"));
  EXPECT_TRUE(has(html, "title=\"2026-03-01T11:59:18Z\">42s ago</time>"));
  EXPECT_TRUE(has(html, ">5m 3s ago</time>"));
  EXPECT_TRUE(has(html, "last good cycle <time"));
}

TEST(status_page, a_failing_source_shows_its_error_and_failures) {
  auto d = base();
  auto t = watched(t0 - std::chrono::hours{2});
  t.ok = false;
  t.consecutive_failures = 3;
  t.last_error = "arm role assignments answered 403 AuthorizationFailed";
  auto& arm = t.sources["arm"];
  arm.ok = false;
  arm.last_result = t0 - seconds{1};
  arm.consecutive_failures = 3;
  arm.last_error = "arm role assignments answered 403 AuthorizationFailed";
  d.tenants["contoso"] = t;
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<h3>contoso <span class=\"b bad\">failing</span></h3>"));
  EXPECT_TRUE(has(html, "<span class=\"b bad\">error</span>"));
  EXPECT_TRUE(has(html, "failed cycles in a row: 3"));
  EXPECT_TRUE(has(
      html,
      "<td data-label=\"failures in a row\"><div>3</div></td><td data-label=\"last error\"><div><span class=\"err\">"
      "arm role assignments answered 403 AuthorizationFailed</span></div></td>"));
  EXPECT_TRUE(has(html, "<p class=\"err\">arm role assignments answered 403 AuthorizationFailed</p>"));
  EXPECT_TRUE(has(html, ">2h 0m ago</time>"));
}

TEST(status_page, a_source_that_never_succeeded_says_never) {
  auto d = base();
  auto t = watched(t0);
  t.sources["arm"].last_success.reset();
  d.tenants["contoso"] = t;
  EXPECT_TRUE(has(render_status_page(d), "<span class=\"muted\">never</span>"));
}

// --- assignments ---

TEST(status_page, assignments_show_which_fire_and_why_the_others_do_not) {
  auto d = base();
  d.tenants["contoso"] = watched(t0);
  auto allowed = uaa("p-allowed", false);
  allowed.allowed = true;
  auto baselined = uaa("p-baselined", false);
  baselined.baselined = true;
  auto unmatched = uaa("p-unmatched", false);
  unmatched.rule.clear();
  d.assignments["contoso"] = {{uaa("p-firing", true), allowed, baselined, unmatched}, 4, {}};
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "Assignments now: 4, 1 firing"));
  EXPECT_TRUE(has(
      html,
      "<tr><td data-label=\"state\"><div><span class=\"b bad\">firing</span> <span class=\"b bad\">critical</span>"));
  EXPECT_TRUE(has(html, "not firing: allowed by its rule"));
  EXPECT_TRUE(has(html, "not firing: there at the first start (silent baseline)"));
  EXPECT_TRUE(has(html, "not firing: no rule matches it"));
  EXPECT_TRUE(has(html, "<span class=\"id\">p-firing</span> <span class=\"muted\">(User)</span>"));
  EXPECT_TRUE(has(html, "<span title=\"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9\">User Access Administrator</span>"));
  EXPECT_TRUE(has(html, "<code>/</code>"));
  EXPECT_TRUE(has(html, ">1m 30s ago</time>"));
  EXPECT_EQ(count_of(html, "<span class=\"b bad\">firing</span>"), 1u);
}

TEST(status_page, a_tenant_without_assignments_says_none) {
  auto d = base();
  d.tenants["contoso"] = watched(t0);
  d.assignments["contoso"] = {};
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "Assignments now: 0, 0 firing</h4>\n<p class=\"muted\">none</p>"));
}

TEST(status_page, more_assignments_than_listed_are_counted) {
  auto d = base();
  d.tenants["contoso"] = watched(t0);
  d.assignments["contoso"] = {{uaa("p1", true), uaa("p2", false)}, 230, {}};
  EXPECT_TRUE(has(render_status_page(d), "and 228 more not listed"));
}

TEST(status_page, assignments_that_cannot_be_read_say_why) {
  auto d = base();
  d.tenants["contoso"] = watched(t0);
  d.assignments["contoso"].error = "database is locked";
  EXPECT_TRUE(has(render_status_page(d), "<p class=\"err\">cannot be read: database is locked</p>"));
}

// --- alerts and deliveries ---

TEST(status_page, an_alert_shows_kind_severity_time_and_delivery_per_sink) {
  auto d = base();
  auto a = created_alert("a11ce000-0000-4000-8000-000000000001");
  a.principal_name = "Alice";
  status_delivery pager;
  pager.sink = "pager";
  pager.state = "pending";
  pager.attempts = 2;
  pager.last_error = "sink pager answered 503";
  pager.next_attempt_at = t0 + seconds{20};
  a.deliveries.push_back(pager);
  d.alerts.push_back(a);
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html,
                  "<code>assignment.created</code><br><span class=\"b bad\">critical</span> "
                  "<span class=\"b bad\">firing</span>"));
  EXPECT_TRUE(has(html, "<td data-label=\"tenant\"><div>contoso</div></td>"));
  EXPECT_TRUE(
      has(html, "User Access Administrator<br>Alice<br><span class=\"id\">a11ce000-0000-4000-8000-000000000001"));
  EXPECT_TRUE(has(html, "title=\"2026-03-01T11:59:30Z\">30s ago</time>"));
  EXPECT_TRUE(has(html, "<code>soc</code> <span class=\"b good\">delivered</span> 1 attempt, <time"));
  EXPECT_TRUE(has(html,
                  "<code>pager</code> <span class=\"b warn\">pending</span> 2 attempts, next in 20s"
                  "<div class=\"err\">sink pager answered 503</div>"));
}

TEST(status_page, a_dead_delivery_is_shown_with_its_error) {
  auto d = base();
  auto a = created_alert("p1");
  a.deliveries[0].state = "dead";
  a.deliveries[0].attempts = 7;
  a.deliveries[0].last_error = "sink soc answered 400 (permanent)";
  d.alerts.push_back(a);
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<code>soc</code> <span class=\"b bad\">dead</span> 7 attempts"));
  EXPECT_TRUE(has(html, "<div class=\"err\">sink soc answered 400 (permanent)</div>"));
}

TEST(status_page, an_alert_about_no_assignment_shows_a_dash) {
  auto d = base();
  status_alert degraded;
  degraded.kind = "watch.degraded";
  degraded.severity = "high";
  degraded.status = "firing";
  degraded.tenant_name = "contoso";
  d.alerts.push_back(degraded);
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "<code>watch.degraded</code>"));
  EXPECT_TRUE(has(html, "<td data-label=\"about\"><div><span class=\"muted\">—</span></div></td>"));
  EXPECT_TRUE(
      has(html, "<td data-label=\"when\"><div><span class=\"muted\">never</span></div></td>"));  // no time known
}

TEST(status_page, lists_fifty_alerts_at_most) {
  auto d = base();
  for (int i = 0; i < 70; ++i) {
    d.alerts.push_back(created_alert("principal-" + std::to_string(i)));
  }
  const auto html = render_status_page(d);
  EXPECT_EQ(count_of(html, "<code>assignment.created</code>"), 50u);
  EXPECT_TRUE(has(html, "principal-49<"));
  EXPECT_FALSE(has(html, "principal-50<"));
}

TEST(status_page, an_outbox_that_cannot_be_read_says_why) {
  auto d = base();
  d.alerts_error = "database disk image is malformed";
  d.backlog.reset();
  d.backlog_error = "database disk image is malformed";
  const auto html = render_status_page(d);
  EXPECT_EQ(count_of(html, "<p class=\"err\">cannot be read: database disk image is malformed</p>"), 2u);
}

TEST(status_page, the_backlog_shows_depth_per_sink_and_the_oldest_age) {
  auto d = base();
  d.backlog = status_backlog{5, t0 - std::chrono::hours{26}, {{"pager", 2}, {"soc", 3}}};
  const auto html = render_status_page(d);
  EXPECT_TRUE(has(html, "5 pending deliveries · oldest pending: <time"));
  EXPECT_TRUE(has(html, ">1d 2h ago</time>"));
  EXPECT_TRUE(has(html,
                  "<tr><td data-label=\"sink\"><div><code>pager</code></div></td><td "
                  "data-label=\"pending\"><div>2</div></td></tr>"));
  EXPECT_TRUE(has(
      html,
      "<tr><td data-label=\"sink\"><div><code>soc</code></div></td><td data-label=\"pending\"><div>3</div></td></tr>"));
}

// --- escaping: every string from outside ---

TEST(status_page, hostile_names_and_errors_are_escaped_everywhere) {
  const std::string hostile = "<script>alert(\"x\")</script> O'Brien & co";
  const std::string escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; co";
  auto d = base();
  d.version = hostile;
  d.config_path = hostile;
  auto t = watched(t0);
  t.ok = false;
  t.last_error = hostile;
  t.sources["arm"].last_error = hostile;
  t.sources[hostile] = t.sources["arm"];
  d.tenants[hostile] = t;
  auto a = uaa(hostile, true);
  a.principal_name = hostile;
  a.principal_type = hostile;
  a.role_name = hostile;
  a.role_id = hostile;
  a.scope = hostile;
  a.rule = hostile;
  a.severity = hostile;
  d.assignments[hostile] = {{a}, 1, {}};
  auto alert = created_alert(hostile);
  alert.kind = hostile;
  alert.severity = hostile;
  alert.status = hostile;
  alert.tenant_name = hostile;
  alert.role_name = hostile;
  alert.principal_name = hostile;
  alert.deliveries[0].sink = hostile;
  alert.deliveries[0].state = hostile;
  alert.deliveries[0].last_error = hostile;
  d.alerts.push_back(alert);
  d.backlog = status_backlog{1, t0, {{hostile, 1}}};
  const auto html = render_status_page(d);
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_FALSE(has(html, "O'Brien"));
  EXPECT_FALSE(has(html, "\"x\""));
  EXPECT_FALSE(has(html, "& co"));
  EXPECT_GE(count_of(html, escaped), 25u);
  // An unknown status word gets no class of its own.
  EXPECT_TRUE(has(html, "<span class=\"b calm\">" + escaped + "</span>"));
}

TEST(status_page, errors_and_names_in_attributes_cannot_break_out) {
  auto d = base();
  d.tenants["contoso"] = watched(t0);
  d.tenants["contoso"].last_error = "\" onmouseover=\"x";
  const auto html = render_status_page(d);
  EXPECT_FALSE(has(html, "\" onmouseover"));
  EXPECT_TRUE(has(html, "&quot; onmouseover=&quot;x"));
}

TEST(html_escape, escapes_the_five_and_mends_invalid_utf8) {
  EXPECT_EQ(html_escape("a<b>&\"'c"), "a&lt;b&gt;&amp;&quot;&#39;c");
  EXPECT_EQ(html_escape("plain ünïcode"), "plain ünïcode");
  EXPECT_EQ(html_escape(std::string("x\xff<y", 4)), "x\xEF\xBF\xBD&lt;y");
  EXPECT_TRUE(is_valid_utf8(html_escape(std::string("\xe2\x82<", 3))));
  EXPECT_EQ(html_escape(""), "");
}

TEST(format_age, counts_in_the_largest_useful_units) {
  EXPECT_EQ(format_age(t0, t0), "0s");
  EXPECT_EQ(format_age(t0, t0 - milliseconds{999}), "0s");
  EXPECT_EQ(format_age(t0, t0 - seconds{59}), "59s");
  EXPECT_EQ(format_age(t0, t0 - seconds{60}), "1m 0s");
  EXPECT_EQ(format_age(t0, t0 - seconds{3599}), "59m 59s");
  EXPECT_EQ(format_age(t0, t0 - seconds{3600}), "1h 0m");
  EXPECT_EQ(format_age(t0, t0 - seconds{86399}), "23h 59m");
  EXPECT_EQ(format_age(t0, t0 - seconds{86400 * 3 + 3600 * 4}), "3d 4h");
  EXPECT_EQ(format_age(t0, t0 + seconds{30}), "0s");  // clock skew: never a negative age
}

// --- the response ---

TEST(status_page_response, is_html_never_cached_and_locked_down) {
  const auto res = status_page_response("<!DOCTYPE html>");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "<!DOCTYPE html>");
  EXPECT_EQ(net::find_header(res.headers, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(net::find_header(res.headers, "Cache-Control"), "no-store");
  const auto csp = std::string(net::find_header(res.headers, "Content-Security-Policy").value_or(""));
  EXPECT_EQ(csp.rfind("default-src 'none'; style-src 'unsafe-inline'", 0), 0u) << csp;
  EXPECT_FALSE(has(csp, "script-src"));
  EXPECT_EQ(net::find_header(res.headers, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(net::find_header(res.headers, "Referrer-Policy"), "no-referrer");
}

// --- the route ---

net::server_request request(std::string method, std::string target) {
  net::server_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  return req;
}

TEST(status_page_route, get_and_head_of_root_serve_the_page) {
  health_state state;
  metrics stats;
  int asked = 0;
  const auto handler = health_handler(state, stats, [&] {
    ++asked;
    auto d = base();
    d.tenants["contoso"] = watched(t0);
    return d;
  });
  for (const std::string method : {"GET", "HEAD"}) {
    const auto res = handler(request(method, "/?refresh=1"));
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(net::find_header(res.headers, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(net::find_header(res.headers, "Cache-Control"), "no-store");
    EXPECT_TRUE(has(res.body, "<h3>contoso"));
  }
  EXPECT_EQ(asked, 2);
  const auto post = handler(request("POST", "/"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(asked, 2);
  const auto missing = handler(request("GET", "/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "not found: try / (the status page), /healthz, /readyz or /metrics\n");
}

TEST(status_page_route, without_a_source_there_is_no_page) {
  health_state state;
  metrics stats;
  const auto handler = health_handler(state, stats);
  EXPECT_EQ(handler(request("GET", "/")).status, 404);
}

}  // namespace
}  // namespace rootwatch::ops
