// Issue 7, delivery semantics, with the real binary: a hanging receiver holds back neither the
// other sink nor newer alerts past its concurrency; a refusal ends dead and is announced on the
// other sink; routing by severity and kind; a re-appearance after its tombstone expired.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include <sqlite3.h>

namespace rootwatch::e2e {
namespace {

constexpr const char* p1 = "a11ce000-0000-4000-8000-0000000000a1";
constexpr const char* p2 = "a11ce000-0000-4000-8000-0000000000a2";
constexpr const char* p3 = "a11ce000-0000-4000-8000-0000000000a3";

bool to_pager(const fake::delivery& d) {
  return d.target.find("?pager") != std::string::npos;
}

std::string principal_of(const fake::delivery& d) {
  if (!d.body_json || !d.body_json->contains("assignment") || !(*d.body_json)["assignment"].is_object()) {
    return {};
  }
  return (*d.body_json)["assignment"]["principal"].value("id", "");
}

// 2xx deliveries of `kind` to one of the two sinks.
std::vector<fake::delivery> at_sink(const std::vector<fake::delivery>& all, const std::string& kind, bool pager) {
  std::vector<fake::delivery> out;
  for (auto& d : accepted(all, kind)) {
    if (to_pager(d) == pager) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

bool has_principal(const std::vector<fake::delivery>& ds, const std::string& principal) {
  return std::any_of(ds.begin(), ds.end(), [&](const fake::delivery& d) { return principal_of(d) == principal; });
}

std::string pager_sink(environment& env, const std::string& extra = {}) {
  return "[[sink]]\nname = \"pager\"\nkind = \"webhook\"\nurl = \"" + env.receiver().url() +
         "?pager\"\nretry_initial_backoff = \"200ms\"\nretry_max_backoff = \"1s\"\nsigning_secret_file = \"" +
         (env.dir() / "signing.key").string() + "\"\n" + extra;
}

TEST(delivery, a_hanging_receiver_delays_neither_the_other_sink_nor_newer_alerts_past_its_concurrency) {
  environment env;
  sink_options soc;
  soc.timeout = "120s";
  env.write_config("1s", "alert", soc, "concurrency = 2\n\n" + pager_sink(env));
  env.receiver().answer_when([](const fake::delivery& d) { return !to_pager(d) && principal_of(d) == p1; }, 200,
                             std::chrono::seconds{120});
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate(p1);
  // The soc receiver has the first alert and sits on it.
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) {
        return std::any_of(all.begin(), all.end(),
                           [](const fake::delivery& d) { return !to_pager(d) && principal_of(d) == p1; });
      },
      wait_long))
      << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) { return has_principal(at_sink(all, "assignment.created", true), p1); }, wait_long))
      << "the other sink is not held up: " << daemon.err();

  env.elevate(p2);
  env.elevate(p3);
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) {
        const auto soc_created = at_sink(all, "assignment.created", false);
        return has_principal(soc_created, p2) && has_principal(soc_created, p3);
      },
      wait_long))
      << "newer alerts overtake the hanging one on the same sink: " << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) {
        const auto pager_created = at_sink(all, "assignment.created", true);
        return has_principal(pager_created, p2) && has_principal(pager_created, p3);
      },
      wait_long))
      << daemon.err();
  const auto pager = at_sink(env.receiver().deliveries(), "assignment.created", true);

  const auto p1_id = [&] {
    for (const auto& d : pager) {
      if (principal_of(d) == p1) {
        return d.body_json->value("id", "");
      }
    }
    return std::string{};
  }();
  ASSERT_FALSE(p1_id.empty());
  EXPECT_EQ(daemon.err().find("sink soc: delivered alert " + p1_id), std::string::npos)
      << "the first alert is still in flight at soc";

  env.receiver().stop();  // ends the hanging answer
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{20'000}).value_or(-1), 0) << daemon.err();
}

TEST(delivery, a_refused_alert_ends_dead_and_is_announced_on_the_other_sink) {
  environment env;
  sink_options soc;
  env.write_config("1s", "alert", soc, pager_sink(env));
  env.receiver().answer_when([](const fake::delivery& d) { return !to_pager(d); }, 400);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate(p1);
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) {
        return !at_sink(all, "watch.delivery_failed", true).empty() &&
               !at_sink(all, "assignment.created", true).empty();
      },
      wait_long))
      << daemon.err();
  const auto all = env.receiver().deliveries();
  const auto created = at_sink(all, "assignment.created", true);
  ASSERT_EQ(created.size(), 1u);
  const std::string id = created[0].body_json->value("id", "");
  const auto failed = at_sink(all, "watch.delivery_failed", true);
  ASSERT_EQ(failed.size(), 1u);
  const auto& f = *failed[0].body_json;
  EXPECT_EQ(f.value("severity", ""), "critical") << "as severe as what was lost";
  EXPECT_EQ(f.value("status", ""), "firing");
  const std::string detail = f.value("detail", "");
  EXPECT_NE(detail.find("sink soc gave up on alert " + id), std::string::npos) << detail;
  EXPECT_NE(detail.find("400"), std::string::npos) << detail;
  EXPECT_EQ(principal_of(failed[0]), p1) << "it names the assignment the lost alert was about";
  EXPECT_NE(f.value("remediation", "").find("rootwatch outbox retry"), std::string::npos);

  std::size_t soc_tries = 0;
  for (const auto& d : all) {
    soc_tries += !to_pager(d) && d.body_json && d.body_json->value("id", "") == id ? 1 : 0;
  }
  EXPECT_EQ(soc_tries, 1u) << "a 400 is not retried";
  EXPECT_NE(daemon.err().find("sink soc: GAVE UP on assignment.created alert " + id), std::string::npos)
      << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(delivery, each_sink_takes_only_what_its_routing_lets_through) {
  environment env;
  sink_options soc;
  env.write_config("1s", "alert", soc, pager_sink(env, "severity = \"critical\"\nkinds = [\"assignment.created\"]\n"));
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto name = env.elevate(p1);
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) { return !at_sink(all, "assignment.removed", false).empty(); }, wait_long))
      << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& all) { return !at_sink(all, "assignment.created", true).empty(); },
                                      wait_long))
      << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  const auto all = env.receiver().deliveries();
  EXPECT_TRUE(at_sink(all, "assignment.removed", true).empty()) << "pager takes creations only";
  EXPECT_EQ(at_sink(all, "assignment.created", false).size(), 1u);
}

TEST(delivery, validate_warns_about_alerts_no_sink_takes) {
  environment env;
  sink_options soc;
  env.write_config("1s", "alert", soc, "severity = \"critical\"\n");
  const auto r = env.run({"validate", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: no sink takes watch.degraded alerts (high) about tenant contoso"), std::string::npos)
      << r.err;
}

// Ages the tombstones of the written config's database by `days`, as if that time had passed.
void age_tombstones(environment& env, int days) {
  const auto db_path = (env.dir() / "state" / "rootwatch.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  const std::string sql = "UPDATE assignment_state SET removed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-" +
                          std::to_string(days) + " days') WHERE removed_at IS NOT NULL";
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
  sqlite3_free(message);
  EXPECT_GT(sqlite3_changes(db), 0) << "a tombstone to age";
  sqlite3_close(db);
}

TEST(delivery, an_assignment_back_after_its_tombstone_expired_is_delivered_again) {
  environment env;
  env.write_config("1s");
  fake::role_assignment a;
  a.role_definition_id = std::string(fake::user_access_administrator_id);
  a.principal_id = p1;
  a.principal_type = "User";
  a.created_by = p1;
  const auto stored = env.azure().add_assignment(a);
  {
    auto daemon = env.start({"run", "--config", env.config_path().string()});
    ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
    ASSERT_TRUE(env.azure().remove_assignment(stored.name));
    ASSERT_TRUE(wait_accepted(env, "assignment.removed")) << daemon.err();
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  }
  age_tombstones(env, 31);
  env.azure().add_assignment(stored);  // the very same assignment: same id, scope, role, principal
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(env.receiver().wait_for([](const auto& all) { return accepted(all, "assignment.created").size() == 2; },
                                      wait_long))
      << daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  EXPECT_NE(created[0].body_json->value("id", ""), created[1].body_json->value("id", ""))
      << "a new occurrence, under ids of its own";
  EXPECT_EQ(daemon.err().find("already taken"), std::string::npos) << "no id collision";
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
