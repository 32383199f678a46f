// Lingering reminders end to end: the real daemon polling every second with remind_every "2s"
// and a rule that escalates after "3s". The receiver gets the creation, then reminders with a
// growing age under the creation's correlation key (raised to critical from the one at least 3s
// old on), then, after the fake Azure drops the assignment, the removal.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <regex>
#include <set>

namespace rootwatch::e2e {
namespace {

const std::string escalating_rule = R"([[rule]]
name = "root-escalating"
scopes = ["/"]
roles = ["*"]
severity = "high"
escalate_after = "3s"
escalate_to = "critical"
)";

struct reminder {
  int number = 0;
  std::string age;
  fake::delivery d;
};

// The reminder number and the age from the detail ("still present after 4s (reminder 2, ...").
reminder reminder_of(const fake::delivery& d) {
  reminder r;
  r.d = d;
  const std::string detail = (*d.body_json)["detail"].is_string() ? (*d.body_json)["detail"].get<std::string>() : "";
  std::smatch m;
  if (std::regex_search(detail, m, std::regex(R"(still present after ([0-9dhms ]+) \(reminder ([0-9]+),)"))) {
    r.age = m[1];
    r.number = std::stoi(m[2]);
  }
  return r;
}

TEST(reminders, lingering_alerts_with_a_growing_age_then_the_removal) {
  environment env;
  env.write_config("1s", "alert", {}, escalating_rule);
  set_tenant_keys(env, "remind_every = \"2s\"\n");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const std::string name = env.elevate();

  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  // Enough reminders to see one before and one after escalate_after.
  const auto escalated_seen = [](const std::vector<fake::delivery>& all) {
    const auto l = accepted(all, "assignment.lingering");
    return l.size() >= 2 && std::any_of(l.begin(), l.end(), [](const fake::delivery& d) {
             return (*d.body_json)["severity"] == "critical";
           });
  };
  ASSERT_TRUE(env.receiver().wait_for(escalated_seen, wait_long)) << daemon.err();
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(wait_accepted(env, "assignment.removed")) << daemon.err();

  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait(milliseconds{15'000}).has_value());

  const auto all = env.receiver().deliveries();
  const auto created = accepted(all, "assignment.created");
  const auto removed = accepted(all, "assignment.removed");
  ASSERT_EQ(created.size(), 1u);
  ASSERT_EQ(removed.size(), 1u);
  const json& c = *created[0].body_json;
  EXPECT_EQ(c["severity"], "high");

  std::vector<reminder> reminders;
  std::set<std::string> ids;
  for (const auto& d : accepted(all, "assignment.lingering")) {
    reminders.push_back(reminder_of(d));
    const json& l = *d.body_json;
    EXPECT_EQ(l["status"], "firing");
    EXPECT_EQ(l["correlation_key"], c["correlation_key"]);
    EXPECT_EQ(l["first_seen"], c["first_seen"]);
    EXPECT_EQ(l["assignment"]["id"], c["assignment"]["id"]);
    EXPECT_EQ(l["rule"], "root-escalating");
    EXPECT_EQ(l["remediation"], c["remediation"]);
    EXPECT_TRUE(ids.insert(l["id"].get<std::string>()).second) << "each reminder has an id of its own";
    EXPECT_NE(l["id"], c["id"]);
  }
  ASSERT_GE(reminders.size(), 2u);
  // In the order they were raised, each one period later than the one before or more.
  for (std::size_t i = 0; i < reminders.size(); ++i) {
    const reminder& r = reminders[i];
    ASSERT_GT(r.number, 0) << r.d.body;
    EXPECT_FALSE(r.age.empty());
    // Reminder n is n * 2s old: below 3s it keeps the rule's severity, from 3s on it is raised.
    EXPECT_EQ((*r.d.body_json)["severity"], r.number * 2 >= 3 ? "critical" : "high") << r.d.body;
    if (i > 0) {
      EXPECT_GT(r.number, reminders[i - 1].number);
      EXPECT_GE(r.d.body_json->at("detected_at").get<std::string>(),
                reminders[i - 1].d.body_json->at("detected_at").get<std::string>());
    }
  }

  const json& r = *removed[0].body_json;
  EXPECT_EQ(r["status"], "resolved");
  EXPECT_EQ(r["correlation_key"], c["correlation_key"]);
  // Nothing about the assignment after its removal: reminders stop with it.
  const auto removal = std::find_if(
      all.begin(), all.end(), [&](const fake::delivery& d) { return d.body_json && (*d.body_json)["id"] == r["id"]; });
  for (auto it = removal + 1; it != all.end(); ++it) {
    EXPECT_NE(it->body_json ? (*it->body_json)["kind"] : json(), "assignment.lingering") << it->body;
  }
}

}  // namespace
}  // namespace rootwatch::e2e
