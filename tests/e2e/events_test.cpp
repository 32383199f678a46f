// The logs end to end (issue 6 §2): the real binary reads the fake Azure's tenant Activity Log
// and Entra audit log, and sends one elevation.event per elevation, naming who and from where,
// even when no snapshot ever saw the assignment; an event that arrives late is alerted once; the
// same elevation in both logs is one alert; a log without its permission says which role to
// grant; a restart alerts nothing twice.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

namespace rootwatch::e2e {
namespace {

constexpr const char* alice_id = "a11ce000-0000-4000-8000-000000000001";
constexpr const char* alice_upn = "alice@contoso.example";
constexpr const char* alice_ip = "198.51.100.23";

// Alice's elevation as the Activity Log writes it: BeginRequest and EndRequest.
void log_elevation(environment& env, timestamp when, const std::string& correlation,
                   std::optional<timestamp> visible_from = std::nullopt) {
  for (const auto* name : {"BeginRequest", "EndRequest"}) {
    fake::activity_event e;
    e.event_name = name;
    e.status = std::string(name) == "BeginRequest" ? "Started" : "Succeeded";
    e.event_timestamp = when;
    e.visible_from = visible_from;
    e.caller_upn = alice_upn;
    e.caller_object_id = alice_id;
    e.caller_ip = alice_ip;
    e.correlation_id = correlation;
    env.azure().add_activity_event(e);
  }
}

// Alice, a Global Administrator, as she would work: signed in with her password through a
// public client, calling ARM herself. The fake writes her calls to its logs, as Azure does.
struct alice_session {
  environment& env;
  std::string token;

  explicit alice_session(environment& e) : env(e) {
    token = user_token(env, {alice_upn, "correct horse battery", alice_id, "Alice", alice_ip},
                       "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
  }

  int call(const std::string& method, const std::string& target) {
    auto r = fake::fetch(read_text(env.dir() / "ca.pem"), method, env.azure().base_url() + target,
                         {{"Authorization", "Bearer " + token}});
    return r ? r->status : 0;
  }

  // POST elevateAccess, then DELETE the assignment it made: the whole thing in well under the
  // poll interval.
  void elevate_and_revoke() {
    ASSERT_EQ(call("POST", "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01"), 200);
    std::string name;
    for (const auto& a : env.azure().assignments()) {
      if (a.principal_id == alice_id) {
        name = a.name;
      }
    }
    ASSERT_FALSE(name.empty());
    ASSERT_EQ(call("DELETE", "/providers/Microsoft.Authorization/roleAssignments/" + name + "?api-version=2022-04-01"),
              200);
  }
};

std::vector<fake::delivery> events_of(environment& env) {
  return accepted(env.receiver().deliveries(), "elevation.event");
}

bool has_event_about(const std::vector<fake::delivery>& all, const std::string& needle) {
  for (const auto& d : all) {
    if (d.body.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(events, an_elevation_revoked_before_any_snapshot_saw_it_is_still_alerted_with_who_and_where) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log", "entra_audit")");
  alice_session alice(env);
  // One cycle only, then none for a long time: the elevate-and-revoke falls between two polls.
  std::string config = read_text(env.config_path());
  config.replace(config.find("poll_interval = \"1s\""), 20, "poll_interval = \"6s\"");
  std::ofstream(env.config_path(), std::ios::trunc) << config;
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return source_health(port, "activity_log").value("status", "") == "ok"; }))
      << http_get_local(port, "/healthz").body << daemon.err();
  const auto listings_before = env.azure().request_count(fake::azure_route::role_assignments);

  alice.elevate_and_revoke();
  ASSERT_EQ(env.azure().request_count(fake::azure_route::role_assignments), listings_before + 1)
      << "no listing of the daemon's ran in between (only alice's own DELETE)";
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& all) { return accepted(all, "elevation.event").size() >= 2; }, wait_long))
      << daemon.err();
  std::this_thread::sleep_for(milliseconds{7'000});  // another cycle over the same windows
  auto events = events_of(env);
  ASSERT_EQ(events.size(), 2u) << "the elevation and the revocation, each once, though both logs hold the elevation";
  std::sort(events.begin(), events.end(), [](const auto& x, const auto& y) {
    return x.body_json->value("first_seen", "") < y.body_json->value("first_seen", "");
  });
  const json& a = *events[0].body_json;
  std::set<std::string> evidence;
  for (const auto& e : a["evidence"]) {
    evidence.insert(e.value("source", ""));
  }
  EXPECT_EQ(evidence, (std::set<std::string>{"activity_log", "entra_audit"})) << events[0].body;
  EXPECT_NE(events[1].body_json->value("detail", "").find("deleted"), std::string::npos) << events[1].body;
  EXPECT_EQ(a.value("correlation_key", "a"), events[1].body_json->value("correlation_key", "b"));
  EXPECT_EQ(a["actor"].value("upn", ""), alice_upn) << events[0].body;
  EXPECT_EQ(a["actor"].value("ip", ""), alice_ip);
  EXPECT_EQ(a["assignment"]["scope"], "/");
  EXPECT_EQ(a["assignment"]["role"]["id"], "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(a["assignment"]["principal"]["id"], alice_id);
  EXPECT_EQ(a["assignment"]["principal"].value("display_name", ""), "Alice")
      << "from Graph, though no listing showed it";
  EXPECT_FALSE(a["evidence"][0].value("event_id", "").empty());
  EXPECT_NE(a.value("detail", "").find(alice_ip), std::string::npos) << events[0].body;
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.created").empty());

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(events, an_event_that_arrives_ten_minutes_late_is_alerted_once_and_not_again_after_a_restart) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log")");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return source_health(port, "activity_log").value("status", "") == "ok"; }))
      << daemon.err();
  // Let the watermark pass the event's time first: the record shows up only now, dated ten
  // minutes back, as a log that ingests late.
  std::this_thread::sleep_for(milliseconds{2'000});
  const auto now = std::chrono::time_point_cast<timestamp::duration>(std::chrono::system_clock::now());
  log_elevation(env, now - std::chrono::minutes{10}, "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6");
  ASSERT_TRUE(wait_accepted(env, "elevation.event")) << daemon.err();
  std::this_thread::sleep_for(milliseconds{3'000});
  EXPECT_EQ(events_of(env).size(), 1u);
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();

  // A restart reads the same window again (its overlap covers the event): nothing new.
  auto again = env.start({"run", "--config", env.config_path().string()});
  const auto port2 = health_port_in_log(again);
  ASSERT_NE(port2, 0) << again.err();
  ASSERT_TRUE(wait_until([&] { return source_health(port2, "activity_log").value("status", "") == "ok"; }))
      << again.err();
  std::this_thread::sleep_for(milliseconds{3'000});
  EXPECT_EQ(events_of(env).size(), 1u) << again.err();
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(milliseconds{15'000}).value_or(-1), 0) << again.err();
}

TEST(events, the_same_elevation_in_both_logs_is_one_alert_with_both_as_evidence) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log", "entra_audit")");
  const auto now = std::chrono::time_point_cast<timestamp::duration>(std::chrono::system_clock::now());
  const std::string correlation = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901";
  log_elevation(env, now - std::chrono::minutes{2}, correlation);
  fake::directory_audit record;
  record.activity_date_time = now - std::chrono::minutes{2} + std::chrono::seconds{1};
  record.correlation_id = correlation;
  record.user_id = alice_id;
  record.user_upn = alice_upn;
  record.user_ip = alice_ip;
  env.azure().add_directory_audit(record);

  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_accepted(env, "elevation.event")) << daemon.err();
  std::this_thread::sleep_for(milliseconds{3'000});
  const auto events = events_of(env);
  ASSERT_EQ(events.size(), 1u) << daemon.err();
  std::set<std::string> sources;
  for (const auto& e : (*events[0].body_json)["evidence"]) {
    sources.insert(e.value("source", ""));
    EXPECT_FALSE(e.value("event_id", "").empty());
  }
  EXPECT_EQ(sources, (std::set<std::string>{"activity_log", "entra_audit"})) << events[0].body;
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(events, a_log_without_its_permission_names_the_role_to_grant_and_the_watch_goes_on) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log")");
  set_tenant_keys(env, "degraded_after = 2");
  fake::fault forbidden;
  forbidden.route = fake::azure_route::activity_log;
  forbidden.status = 403;
  forbidden.code = "AuthorizationFailed";
  forbidden.count = std::nullopt;
  env.azure().inject_fault(forbidden);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) {
        for (const auto& d : accepted(all, "watch.degraded")) {
          if (d.body.find("activity_log") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      wait_long))
      << daemon.err();
  EXPECT_EQ(source_health(port, "activity_log").value("status", ""), "error");
  EXPECT_EQ(source_health(port, "arm").value("status", ""), "ok");
  EXPECT_TRUE(has_event_about(accepted(env.receiver().deliveries(), "watch.degraded"), "Microsoft.Insights"))
      << "the remediation names Reader at /providers/Microsoft.Insights";
  EXPECT_NE(daemon.err().find("/providers/Microsoft.Insights"), std::string::npos) << daemon.err();

  // An elevation meanwhile is still seen by the snapshot; once the log answers, its record is
  // read from where the log stopped.
  env.elevate();
  ASSERT_TRUE(wait_accepted(env, "assignment.created"));
  env.azure().clear_faults();
  ASSERT_TRUE(wait_accepted(env, "watch.recovered")) << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(events, the_entra_audit_log_without_audit_log_read_all_says_so_and_the_activity_log_still_alerts) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log", "entra_audit")");
  env.azure().set_directory_audit_denied(true);
  alice_session alice(env);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return source_health(port, "entra_audit").value("status", "") == "error"; }))
      << http_get_local(port, "/healthz").body;
  EXPECT_NE(source_health(port, "entra_audit").value("last_error", "").find("AuditLog.Read.All"), std::string::npos)
      << source_health(port, "entra_audit").dump();
  alice.elevate_and_revoke();
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& all) { return accepted(all, "elevation.event").size() >= 2; }, wait_long))
      << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(events, principal_names_come_from_graph_and_a_missing_permission_is_said_once) {
  environment env;
  write_config_with_sources(env, R"("arm")");
  env.azure().add_user({"bob@contoso.example", "pw", "b0b00000-0000-4000-8000-000000000002", "Bob Builder"});
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate("b0b00000-0000-4000-8000-000000000002");
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  EXPECT_EQ((*created[0].body_json)["assignment"]["principal"].value("display_name", ""), "Bob Builder")
      << created[0].body;
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();

  // Without Directory.Read.All: null, and the log says why, once.
  environment denied;
  write_config_with_sources(denied, R"("arm")");
  denied.azure().set_directory_objects_denied(true);
  auto second = denied.start({"run", "--config", denied.config_path().string()});
  denied.elevate();
  ASSERT_TRUE(wait_accepted(denied, "assignment.created")) << second.err();
  std::this_thread::sleep_for(milliseconds{2'000});
  const auto plain = accepted(denied.receiver().deliveries(), "assignment.created");
  EXPECT_TRUE((*plain[0].body_json)["assignment"]["principal"]["display_name"].is_null()) << plain[0].body;
  second.signal(SIGTERM);
  ASSERT_EQ(second.wait(milliseconds{15'000}).value_or(-1), 0);
  const std::string log = second.err();
  const auto first = log.find("Directory.Read.All");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("Directory.Read.All", first + 1), std::string::npos) << "said once:\n" << log;
}

TEST(events, check_reports_an_elevation_the_logs_recorded_as_something_to_look_at) {
  environment env;
  write_config_with_sources(env, R"("arm", "activity_log")");
  const auto now = std::chrono::time_point_cast<timestamp::duration>(std::chrono::system_clock::now());
  log_elevation(env, now - std::chrono::hours{2}, "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b");
  const auto r = env.run({"check", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 elevation event(s)"), std::string::npos) << r.out;
  EXPECT_EQ(events_of(env).size(), 1u);
}

}  // namespace
}  // namespace rootwatch::e2e
