// The records the fake's logs write about its own ARM calls (issue 6 §4), as Azure writes
// them: elevateAccess in both logs, role assignment PUT and DELETE in the Activity Log, the
// removal of an elevation in the directory audits; the caller's address; late ingestion; the
// switch that turns them off. Every record also goes through the daemon's own parsers, so that
// what the fake writes is what rootwatch reads.

#include "azure/activity_log_parse.hpp"
#include "azure/entra_audit_parse.hpp"
#include "azure_fixture.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view public_client_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
constexpr std::string_view elevate_path = "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01";
constexpr std::string_view values_path = "/providers/Microsoft.Insights/eventtypes/management/values";
constexpr std::string_view reader_id = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
constexpr std::string_view group_id = "7e1d0c2b-4a5f-4e3d-8c9b-0a1b2c3d4e5f";
constexpr std::string_view upn_claim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
constexpr std::string_view oid_claim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

std::string assignment_path(std::string_view name) {
  return fmt::format("/providers/Microsoft.Authorization/roleAssignments/{}?api-version=2022-04-01", name);
}

class call_log_test : public azure_test {
 protected:
  void SetUp() override {
    azure_test::SetUp();
    azure_->set_activity_log_page_size(50);
    azure_->set_directory_audit_page_size(50);
  }

  std::string token_for(std::string_view upn, std::string_view password) {
    const auto r = post_token(form({{"grant_type", "password"},
                                    {"client_id", public_client_id},
                                    {"username", upn},
                                    {"password", password},
                                    {"scope", "https://management.core.windows.net//.default openid profile"}}));
    return json::parse(r.body).value("access_token", "");
  }

  result<net::response> elevate(const std::string& token, std::string forwarded_for = {}) {
    std::vector<net::header> headers{{"Authorization", "Bearer " + token}};
    if (!forwarded_for.empty()) {
      headers.push_back({"X-Forwarded-For", std::move(forwarded_for)});
    }
    return fetch(ca_.ca_pem(), "POST", azure_->base_url() + std::string(elevate_path), std::move(headers));
  }

  // The Activity Log's answer for a wide window around now (the fake's clock runs `ahead`).
  std::string activity_body(const std::string& token, seconds ahead = seconds{0}) {
    const auto now = std::chrono::system_clock::now() + ahead;
    std::string filter = azure::activity_log_filter(now - 1h, now + 1h);
    std::string encoded;
    for (const char c : filter) {
      encoded += c == ' ' ? std::string("%20") : c == '\'' ? std::string("%27") : std::string(1, c);
    }
    const auto r = arm("GET", fmt::format("{}?api-version=2015-04-01&$filter={}", values_path, encoded), token);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    return r ? r->body : std::string();
  }

  std::string audit_body(const std::string& token) {
    const auto r = arm("GET", "/v1.0/auditLogs/directoryAudits", token);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    return r ? r->body : std::string();
  }

  // The events of one operation on the page, oldest first (the log lists newest first).
  static std::vector<json> events_of(const std::string& body, std::string_view operation) {
    std::vector<json> out;
    const json page = json::parse(body);
    for (const auto& e : page.at("value")) {
      if (e.at("operationName").at("value") == std::string(operation)) {
        out.insert(out.begin(), e);
      }
    }
    return out;
  }

  std::string uaa_assignment_of(std::string_view principal) const {
    for (const auto& a : azure_->assignments()) {
      if (a.principal_id == principal && a.role_definition_id == user_access_administrator_id) {
        return a.name;
      }
    }
    return "";
  }
};

// Times are written with 7 fractional digits: a call's time reads back up to 100 ns earlier.
void expect_between(std::string_view iso, timestamp before, timestamp after) {
  const auto t = parse_iso8601(iso);
  ASSERT_TRUE(t) << iso;
  EXPECT_GE(*t, before - 1us) << iso;
  EXPECT_LE(*t, after) << iso;
}

TEST_F(call_log_test, an_elevation_writes_begin_and_end_events_and_the_elevation_record) {
  const auto token = user_token();
  const auto before = std::chrono::system_clock::now();
  const auto r = elevate(token);
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(r && r->status == 200);

  const std::string log = activity_body(token);
  const auto events = events_of(log, "Microsoft.Authorization/elevateAccess/action");
  ASSERT_EQ(events.size(), 2u) << log;
  const json& begin = events[0];
  const json& end = events[1];
  EXPECT_EQ(begin["eventName"]["value"], "BeginRequest");
  EXPECT_EQ(begin["status"]["value"], "Started");
  EXPECT_EQ(end["eventName"]["value"], "EndRequest");
  EXPECT_EQ(end["status"]["value"], "Succeeded");
  EXPECT_EQ(begin["correlationId"], end["correlationId"]);
  EXPECT_EQ(begin["operationId"], end["operationId"]);
  EXPECT_NE(begin["eventDataId"], end["eventDataId"]);
  for (const json& e : events) {
    EXPECT_EQ(e["caller"], admin_upn);
    EXPECT_EQ(e["claims"][std::string(upn_claim)], admin_upn);
    EXPECT_EQ(e["claims"][std::string(oid_claim)], admin_object_id);
    EXPECT_EQ(e["claims"]["ipaddr"], default_caller_ip);
    EXPECT_EQ(e["claims"]["appid"], public_client_id);
    EXPECT_EQ(e["httpRequest"]["clientIpAddress"], default_caller_ip);
    EXPECT_EQ(e["httpRequest"]["method"], "POST");
    expect_between(e["eventTimestamp"].get<std::string>(), before, after);
  }

  const auto page = azure::parse_activity_log_page(log);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  for (const auto& e : page->events) {
    EXPECT_EQ(e.operation, "elevate_access");
    EXPECT_EQ(e.actor.upn, admin_upn);
    EXPECT_EQ(e.actor.id, admin_object_id);
    EXPECT_EQ(e.actor.ip, default_caller_ip);
    EXPECT_EQ(e.actor.app_id, public_client_id);
    EXPECT_EQ(e.role_id, user_access_administrator_id);
    EXPECT_EQ(e.principal_id, admin_object_id);
    EXPECT_EQ(e.correlation_id, begin["correlationId"]);
  }

  const std::string audits = audit_body(token);
  const json records = json::parse(audits).at("value");
  ASSERT_EQ(records.size(), 1u) << audits;
  EXPECT_EQ(records[0]["activityDisplayName"], directory_audit_elevated_text);
  EXPECT_EQ(records[0]["correlationId"], begin["correlationId"]) << "one operation, both logs";
  EXPECT_EQ(records[0]["initiatedBy"]["user"]["id"], admin_object_id);
  EXPECT_EQ(records[0]["initiatedBy"]["user"]["userPrincipalName"], admin_upn);
  EXPECT_EQ(records[0]["initiatedBy"]["user"]["ipAddress"], default_caller_ip);
  expect_between(records[0]["activityDateTime"].get<std::string>(), before, after);

  const auto audit_page = azure::parse_entra_audit_page(audits);
  ASSERT_TRUE(audit_page) << audit_page.error().message;
  ASSERT_EQ(audit_page->events.size(), 1u);
  const auto& a = audit_page->events[0];
  EXPECT_EQ(a.operation, "elevate_access");
  EXPECT_EQ(a.actor.upn, admin_upn);
  EXPECT_EQ(a.actor.id, admin_object_id);
  EXPECT_EQ(a.actor.ip, default_caller_ip);
  EXPECT_EQ(a.role_id, user_access_administrator_id);
  EXPECT_EQ(a.principal_id, admin_object_id);
  EXPECT_EQ(a.correlation_id, begin["correlationId"]);
}

TEST_F(call_log_test, the_address_is_the_users_ip_or_the_first_forwarded_one_and_each_call_is_logged) {
  const std::string oid = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";
  ASSERT_TRUE(azure_->load_seed(json::parse(fmt::format(
      R"({{"users":[{{"upn":"alice@contoso.example","password":"pw","object_id":"{}","ip":"198.51.100.23"}}]}})",
      oid))));
  const json users = azure_->state()["users"];
  EXPECT_EQ(std::count_if(users.begin(), users.end(), [](const json& u) { return u["ip"] == "198.51.100.23"; }), 1);
  const auto token = token_for("alice@contoso.example", "pw");
  ASSERT_TRUE(elevate(token));
  // Already elevated: the call succeeds and both logs record it again, as Azure logs calls.
  ASSERT_TRUE(elevate(token, "192.0.2.44, 10.0.0.1"));

  const auto page = azure::parse_activity_log_page(activity_body(token));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 4u);
  // Newest first: the forwarded call's two events, then the first call's.
  EXPECT_EQ(page->events[0].actor.ip, "192.0.2.44");
  EXPECT_EQ(page->events[1].actor.ip, "192.0.2.44");
  EXPECT_EQ(page->events[2].actor.ip, "198.51.100.23");
  EXPECT_EQ(page->events[3].actor.ip, "198.51.100.23");
  EXPECT_EQ(page->events[0].actor.upn, "alice@contoso.example");

  const auto audits = azure::parse_entra_audit_page(audit_body(token));
  ASSERT_TRUE(audits) << audits.error().message;
  ASSERT_EQ(audits->events.size(), 2u);
  EXPECT_EQ(audits->events[0].actor.ip, "192.0.2.44");
  EXPECT_EQ(audits->events[1].actor.ip, "198.51.100.23");
  EXPECT_EQ(audits->events[1].actor.id, oid);
}

TEST_F(call_log_test, deleting_an_elevation_writes_delete_events_and_the_removal_record) {
  const auto user = user_token();
  ASSERT_TRUE(elevate(user));
  const std::string name = uaa_assignment_of(admin_object_id);
  ASSERT_FALSE(name.empty());
  const std::string id = "/providers/Microsoft.Authorization/roleAssignments/" + name;
  // The watcher's app removes it (auto-remediation): who acted and whose role it was differ.
  const auto app = app_token();
  const auto r = arm("DELETE", assignment_path(name), app);
  ASSERT_TRUE(r && r->status == 200);

  const std::string log = activity_body(app);
  const auto deletes = events_of(log, "Microsoft.Authorization/roleAssignments/delete");
  ASSERT_EQ(deletes.size(), 2u) << log;
  EXPECT_EQ(deletes[0]["eventName"]["value"], "BeginRequest");
  EXPECT_EQ(deletes[1]["eventName"]["value"], "EndRequest");
  EXPECT_EQ(deletes[0]["correlationId"], deletes[1]["correlationId"]);
  EXPECT_EQ(deletes[1]["resourceId"], id);
  EXPECT_EQ(deletes[1]["httpRequest"]["method"], "DELETE");
  ASSERT_TRUE(deletes[1]["properties"]["responseBody"].is_string()) << "a JSON document in a string";
  const json response = json::parse(deletes[1]["properties"]["responseBody"].get<std::string>());
  EXPECT_EQ(response["id"], id);
  EXPECT_EQ(response["properties"]["roleDefinitionId"],
            "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(user_access_administrator_id));
  EXPECT_EQ(response["properties"]["principalId"], admin_object_id);
  EXPECT_EQ(response["properties"]["scope"], "/");

  const auto page = azure::parse_activity_log_page(log);
  ASSERT_TRUE(page) << page.error().message;
  std::vector<engine::audit_event> parsed;
  std::copy_if(page->events.begin(), page->events.end(), std::back_inserter(parsed),
               [](const engine::audit_event& e) { return e.operation == "role_assignment_delete"; });
  ASSERT_EQ(parsed.size(), 2u);
  for (const auto& e : parsed) {
    EXPECT_EQ(e.assignment_id, id);
    EXPECT_EQ(e.scope, "/");
    EXPECT_EQ(e.actor.app_id, app_id);
    EXPECT_EQ(e.actor.id, app_object_id);
    EXPECT_EQ(e.actor.ip, default_caller_ip);
  }
  // Role and principal come from the EndRequest's response body (a DELETE sends no body);
  // it is listed first, newest first.
  EXPECT_EQ(parsed[0].status, "Succeeded");
  EXPECT_EQ(parsed[0].role_id, user_access_administrator_id);
  EXPECT_EQ(parsed[0].principal_id, admin_object_id);
  EXPECT_EQ(parsed[1].status, "Started");

  const std::string audits = audit_body(app);
  const auto audit_page = azure::parse_entra_audit_page(audits);
  ASSERT_TRUE(audit_page) << audit_page.error().message;
  ASSERT_EQ(audit_page->events.size(), 2u) << audits;
  const auto& removal = audit_page->events[0];  // newest first
  EXPECT_EQ(removal.operation, "role_assignment_delete");
  EXPECT_EQ(removal.principal_id, admin_object_id) << "the target user, not the app that removed it";
  EXPECT_EQ(removal.actor.app_id, app_id);
  EXPECT_EQ(removal.role_id, user_access_administrator_id);
  EXPECT_EQ(removal.correlation_id, parsed[0].correlation_id);
  const json target = json::parse(audits).at("value")[0].at("targetResources")[0];
  EXPECT_EQ(target["type"], "User");
  EXPECT_EQ(target["userPrincipalName"], admin_upn);
}

TEST_F(call_log_test, deleting_another_role_writes_delete_events_but_no_removal_record) {
  role_assignment reader;
  reader.role_definition_id = std::string(reader_id);
  reader.principal_id = std::string(group_id);
  reader.principal_type = "Group";
  const auto stored = azure_->add_assignment(reader);
  const auto app = app_token();
  ASSERT_TRUE(arm("DELETE", assignment_path(stored.name), app));
  // Already gone: nothing ends, nothing is written.
  ASSERT_TRUE(arm("DELETE", assignment_path(stored.name), app));

  const auto page = azure::parse_activity_log_page(activity_body(app));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].operation, "role_assignment_delete");
  EXPECT_EQ(page->events[0].status, "Succeeded");
  EXPECT_EQ(page->events[0].role_id, reader_id);
  EXPECT_EQ(page->events[0].principal_id, group_id);
  EXPECT_EQ(json::parse(audit_body(app)).at("value").size(), 0u);
}

TEST_F(call_log_test, a_put_writes_write_events_with_the_request_body_as_a_string) {
  const auto app = app_token();
  const std::string name = "3a9f6c2e-1b4d-4e8f-9a0b-5c6d7e8f9a0b";
  const std::string sent = fmt::format(
      R"({{"properties":{{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/{}","principalId":"{}","principalType":"Group"}}}})",
      reader_id, group_id);
  const auto r = arm("PUT", assignment_path(name), app, sent);
  ASSERT_TRUE(r && r->status == 201) << (r ? r->body : r.error().message);

  const std::string log = activity_body(app);
  const auto writes = events_of(log, "Microsoft.Authorization/roleAssignments/write");
  ASSERT_EQ(writes.size(), 2u) << log;
  EXPECT_EQ(writes[0]["eventName"]["value"], "BeginRequest");
  EXPECT_EQ(writes[0]["httpRequest"]["method"], "PUT");
  ASSERT_TRUE(writes[0]["properties"]["requestbody"].is_string());
  EXPECT_EQ(json::parse(writes[0]["properties"]["requestbody"].get<std::string>()), json::parse(sent));
  EXPECT_EQ(writes[0]["claims"]["appid"], app_id);

  const auto page = azure::parse_activity_log_page(log);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  for (const auto& e : page->events) {
    EXPECT_EQ(e.operation, "role_assignment_write");
    EXPECT_EQ(e.assignment_id, "/providers/Microsoft.Authorization/roleAssignments/" + name);
    EXPECT_EQ(e.role_id, reader_id);
    EXPECT_EQ(e.principal_id, group_id);
    EXPECT_EQ(e.actor.app_id, app_id);
    EXPECT_EQ(e.actor.id, app_object_id);
  }
  EXPECT_EQ(json::parse(audit_body(app)).at("value").size(), 0u) << "only elevations reach the directory audits";
}

TEST_F(call_log_test, a_refused_call_writes_nothing) {
  const auto app = app_token();
  const auto r = elevate(app);  // elevateAccess needs a user
  ASSERT_TRUE(r && r->status == 403);
  EXPECT_EQ(json::parse(activity_body(app)).at("value").size(), 0u);
  EXPECT_EQ(json::parse(audit_body(app)).at("value").size(), 0u);
}

TEST_F(call_log_test, a_late_log_serves_records_after_the_delay_with_their_original_times) {
  azure_->set_activity_log_delay(600s);
  azure_->set_directory_audit_delay(600s);
  const auto token = user_token();
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(elevate(token));
  const auto after = std::chrono::system_clock::now();
  // Dated ten minutes back and added now: already past the delay, so it is served at once.
  activity_event old;
  old.event_timestamp = before - 10min;
  old.caller_upn = "bob@contoso.example";
  azure_->add_activity_event(old);
  directory_audit old_audit;
  old_audit.activity_date_time = before - 10min;
  old_audit.user_id = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";
  azure_->add_directory_audit(old_audit);

  auto page = azure::parse_activity_log_page(activity_body(token));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u) << "the elevation is not in the log yet";
  EXPECT_EQ(page->events[0].actor.upn, "bob@contoso.example");
  auto audits = azure::parse_entra_audit_page(audit_body(token));
  ASSERT_TRUE(audits) << audits.error().message;
  ASSERT_EQ(audits->events.size(), 1u);

  azure_->set_clock_offset(601s);
  const std::string log = activity_body(token, 601s);
  page = azure::parse_activity_log_page(log);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 3u);
  for (const auto& e : events_of(log, "Microsoft.Authorization/elevateAccess/action")) {
    if (e["caller"] != admin_upn) {
      continue;  // bob's, added by hand
    }
    expect_between(e["eventTimestamp"].get<std::string>(), before, after);
    const auto submitted = parse_iso8601(e["submissionTimestamp"].get<std::string>());
    ASSERT_TRUE(submitted);
    EXPECT_EQ(*submitted, *parse_iso8601(e["eventTimestamp"].get<std::string>()) + 600s);
  }
  const std::string audit_text = audit_body(token);
  audits = azure::parse_entra_audit_page(audit_text);
  ASSERT_TRUE(audits) << audits.error().message;
  ASSERT_EQ(audits->events.size(), 2u);
  expect_between(json::parse(audit_text).at("value")[0].at("activityDateTime").get<std::string>(), before, after);
}

TEST_F(call_log_test, record_calls_off_leaves_the_logs_to_the_test) {
  azure_->set_activity_log_record_calls(false);
  azure_->set_directory_audit_record_calls(false);
  const auto token = user_token();
  ASSERT_TRUE(elevate(token));
  const auto app = app_token();
  ASSERT_TRUE(arm("DELETE", assignment_path(uaa_assignment_of(admin_object_id)), app));
  EXPECT_EQ(json::parse(activity_body(token)).at("value").size(), 0u);
  EXPECT_EQ(json::parse(audit_body(token)).at("value").size(), 0u);
}

TEST_F(call_log_test, the_settings_route_sets_delay_and_recording_per_log) {
  const auto r = fetch(ca_.ca_pem(), "POST", azure_->base_url() + "/_fake/settings", {},
                       R"({"activity_log": {"delay_seconds": 120, "record_calls": false},
                           "entra_audit": {"delay_seconds": 300, "record_calls": true}})");
  ASSERT_TRUE(r && r->status == 200);
  const json state = azure_->state();
  EXPECT_EQ(state["activity_log"]["delay_seconds"], 120);
  EXPECT_EQ(state["activity_log"]["record_calls"], false);
  EXPECT_EQ(state["entra_audit"]["delay_seconds"], 300);
  EXPECT_EQ(state["entra_audit"]["record_calls"], true);

  const auto token = user_token();
  ASSERT_TRUE(elevate(token));
  azure_->set_clock_offset(301s);
  EXPECT_EQ(json::parse(activity_body(token, 301s)).at("value").size(), 0u) << "not recorded";
  const auto audits = azure::parse_entra_audit_page(audit_body(token));
  ASSERT_TRUE(audits) << audits.error().message;
  ASSERT_EQ(audits->events.size(), 1u) << "recorded, and served once 300 s have passed";
  EXPECT_FALSE(audits->events[0].correlation_id->empty());
}

}  // namespace
}  // namespace rootwatch::fake
