// `rootwatch check`, `validate` and `test-alert` end to end: exit codes, invariant 1 (a failed
// or partial listing never looks like a removal), and delivery retried for --deliver-for.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>

namespace rootwatch::e2e {
namespace {

std::size_t count_kind(const std::vector<fake::delivery>& all, const std::string& kind) {
  return accepted(all, kind).size();
}

// Rows of the outbox in `state` ('pending', 'delivered', 'dead'), read as another process would.
int outbox_rows(environment& env, const std::string& state) {
  sqlite3* db = nullptr;
  const auto path = env.dir() / "state" / "rootwatch.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return -1;
  }
  sqlite3_stmt* st = nullptr;
  int rows = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox WHERE state = ?1", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, state.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
      rows = sqlite3_column_int(st, 0);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

std::vector<int> statuses(const std::vector<fake::delivery>& all) {
  std::vector<int> out;
  for (const auto& d : all) {
    out.push_back(d.status);
  }
  return out;
}

TEST(check, exits_0_when_nothing_is_at_the_root_and_1_while_an_assignment_is_firing) {
  environment env;
  const auto cfg = env.write_config();
  auto quiet = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(quiet.code, 0) << quiet.out << quiet.err;
  EXPECT_NE(quiet.out.find("nothing firing"), std::string::npos) << quiet.out;

  env.elevate();
  auto firing = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(firing.code, 1) << firing.out << firing.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 1u);

  // Still there at the next check: still firing, and no second alert.
  auto again = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 1u);
}

TEST(check, exits_2_when_the_credential_is_refused_and_never_prints_the_secret) {
  environment env;
  const auto cfg = env.write_config();
  const std::string wrong = "not-the-secret-" + env.client_secret().substr(0, 8);
  env.write_client_secret(wrong);
  auto r = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("AADSTS7000215"), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find(wrong), std::string::npos);
  EXPECT_EQ((r.out + r.err).find(env.client_secret()), std::string::npos);
}

TEST(check, exits_2_on_a_bad_configuration_naming_file_line_and_key) {
  environment env;
  const auto cfg = env.write_config("1s", "alert", {},
                                    "[[rule]]\nname = \"x\"\nscopes = [\"/\"]\nroles = [\"*\"]\nsevrity = \"high\"\n");
  auto r = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(cfg.string() + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sevrity"), std::string::npos) << r.err;
  auto v = env.run({"validate", "--config", cfg.string()});
  EXPECT_EQ(v.code, 2);
  EXPECT_EQ(v.err, r.err);
}

TEST(check, validate_accepts_a_good_configuration_and_reports_an_unreadable_secret) {
  environment env;
  const auto cfg = env.write_config();
  auto ok = env.run({"validate", "--config", cfg.string()});
  EXPECT_EQ(ok.code, 0) << ok.err;
  std::filesystem::remove(env.dir() / "client.secret");
  auto bad = env.run({"validate", "--config", cfg.string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("client_secret_file"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(cfg.string() + ":"), std::string::npos) << bad.err;
}

TEST(check, a_failed_or_partial_listing_never_produces_a_removal) {
  environment env;
  const auto cfg = env.write_config();
  env.azure().set_page_size(1);
  env.elevate("a11ce000-0000-4000-8000-000000000001");
  env.elevate("a11ce000-0000-4000-8000-000000000002");
  env.elevate("a11ce000-0000-4000-8000-000000000003");
  auto first = env.run({"check", "--config", cfg.string()});
  ASSERT_EQ(first.code, 1) << first.out << first.err;
  ASSERT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 3u);

  struct breakage {
    const char* what;
    fake::fault fault;
  };
  std::vector<breakage> cases;
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.page = 1;
  f.count = std::nullopt;  // until cleared: retries cannot get past it
  f.kind = fake::fault_kind::status;
  f.status = 500;
  cases.push_back({"a 500 on page 2", f});
  f.kind = fake::fault_kind::truncate;
  cases.push_back({"page 2 cut off mid-body", f});
  f.kind = fake::fault_kind::garbage;
  cases.push_back({"page 2 not JSON", f});
  f.kind = fake::fault_kind::wrong_shape;
  f.page = 2;
  cases.push_back({"page 3 JSON of the wrong shape", f});
  f.kind = fake::fault_kind::status;
  f.status = 429;
  f.retry_after_seconds = 1;
  cases.push_back({"page 3 throttled", f});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    env.azure().clear_faults();
    env.azure().inject_fault(c.fault);
    auto r = env.run({"check", "--config", cfg.string()}, milliseconds{60'000});
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("previous state kept"), std::string::npos) << r.err;
    EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.removed"), 0u);
  }
  env.azure().clear_faults();
  auto healed = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(healed.code, 1) << healed.out << healed.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.removed"), 0u);
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 3u);
}

TEST(check, with_deliver_for_0s_an_undeliverable_alert_stays_queued_and_goes_out_on_a_later_run) {
  environment env;
  const auto cfg = env.write_config();
  env.elevate();
  env.receiver().fail_next(1000, 503);
  auto first = env.run({"check", "--config", cfg.string(), "--deliver-for", "0s"});
  // Firing, but the alert did not reach anyone: that is the failure to report.
  EXPECT_EQ(first.code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("1 still waiting (next try due at "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("result: 1 alert(s) firing, but 1 alert(s) still waiting for delivery"), std::string::npos)
      << first.out;
  const auto failed = env.receiver().deliveries();
  ASSERT_EQ(failed.size(), 1u) << "0s is one attempt";
  EXPECT_EQ(failed.back().status, 503);

  env.receiver().fail_next(0, 503);
  auto second = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(second.code, 1) << second.out << second.err;
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u) << second.out << second.err;
  EXPECT_EQ(created.front().header("webhook-id").value_or(""), failed.back().header("webhook-id").value_or("-"));
}

TEST(check, a_silent_baseline_says_nothing_about_what_was_there_before) {
  environment env;
  const auto cfg = env.write_config("1s", "silent");
  env.elevate("a11ce000-0000-4000-8000-000000000001");
  auto first = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_TRUE(env.receiver().deliveries().empty());
  env.elevate("a11ce000-0000-4000-8000-000000000002");
  auto second = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(second.code, 1) << second.out << second.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 1u);
}

TEST(check, no_secret_or_token_reaches_the_output_or_an_alert) {
  environment env;
  const auto cfg = env.write_config();
  env.elevate();
  auto r = env.run({"check", "--config", cfg.string()});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  std::vector<std::string> secrets{env.client_secret(), env.signing_secret(), env.signing_secret().substr(6)};
  for (const auto& req : env.azure().requests()) {
    for (const auto& h : req.headers) {
      if (h.name == "Authorization" || h.name == "authorization") {
        secrets.push_back(h.value.substr(h.value.find(' ') + 1));
      }
    }
    // Secrets travel in bodies and headers, never in URLs.
    EXPECT_EQ(req.target.find(env.client_secret()), std::string::npos);
  }
  ASSERT_GT(secrets.size(), 3u) << "no token was used";
  std::string everything = r.out + r.err;
  for (const auto& d : env.receiver().deliveries()) {
    everything += d.body;
  }
  for (const auto& s : secrets) {
    EXPECT_EQ(everything.find(s), std::string::npos) << "a secret leaked";
  }
}

TEST(check, a_token_in_the_webhook_url_never_reaches_the_logs) {
  environment env;
  sink_options sink;
  sink.url_suffix = "?code=very-secret-function-key";
  const auto cfg = env.write_config("1s", "alert", sink);
  env.elevate();
  env.receiver().fail_next(1, 503);  // a failed delivery is where a careless error would print the URL
  auto r = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("sink soc answered 503"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("very-secret-function-key"), std::string::npos) << r.out << r.err;
  const auto all = env.receiver().deliveries();
  ASSERT_FALSE(all.empty());
  EXPECT_NE(all.front().target.find("very-secret-function-key"), std::string::npos) << "the token is still sent";
}

TEST(check, a_watcher_that_cannot_see_raises_watch_degraded_and_then_watch_recovered) {
  environment env;
  const auto cfg = env.write_config("1s", "alert", {}, "");
  fake::fault forbidden;
  forbidden.route = fake::azure_route::role_assignments;
  forbidden.status = 403;
  forbidden.count = std::nullopt;
  env.azure().inject_fault(forbidden);
  for (int i = 1; i <= 3; ++i) {
    auto r = env.run({"check", "--config", cfg.string()});
    EXPECT_EQ(r.code, 2) << r.out << r.err;
  }
  const auto degraded = accepted(env.receiver().deliveries(), "watch.degraded");
  ASSERT_EQ(degraded.size(), 1u) << "after degraded_after = 3 failed cycles";
  const auto& d = *degraded.front().body_json;
  EXPECT_EQ(d["status"], "firing");
  EXPECT_TRUE(d["assignment"].is_null());
  EXPECT_NE(d["detail"].get<std::string>().find("403"), std::string::npos) << d.dump();

  auto fourth = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(fourth.code, 2);
  EXPECT_EQ(accepted(env.receiver().deliveries(), "watch.degraded").size(), 1u) << "once per outage";

  env.azure().clear_faults();
  auto healed = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(healed.code, 0) << healed.out << healed.err;
  const auto recovered = accepted(env.receiver().deliveries(), "watch.recovered");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ((*recovered.front().body_json)["status"], "resolved");
  EXPECT_EQ((*recovered.front().body_json)["correlation_key"], d["correlation_key"]);
}

// Issue 7, done when: `check` delivers through two 503s. The default --deliver-for (60s) is
// enough for the harness's 200ms-1s backoff.
TEST(check, delivers_through_two_503s_with_the_sinks_backoff) {
  environment env;
  const auto cfg = env.write_config();
  env.elevate();
  env.receiver().fail_next(2, 503);
  auto r = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(statuses(env.receiver().deliveries()), (std::vector<int>{503, 503, 200})) << r.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 1u);
  EXPECT_NE(r.out.find("sink soc: 1 delivered, 0 still waiting, 0 given up; 2 failed attempt(s)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("result: 1 alert(s) firing, all delivered (exit 1)"), std::string::npos) << r.out;
  EXPECT_EQ(outbox_rows(env, "pending"), 0);
}

TEST(check, a_receiver_down_for_longer_than_deliver_for_stops_by_the_deadline_and_a_later_check_delivers) {
  environment env;
  const auto cfg = env.write_config();
  env.elevate();
  env.receiver().fail_next(1000, 503);
  // The wait is a functional bound: --deliver-for 3s, and a few seconds for the cycle and exit.
  auto r = env.run({"check", "--config", cfg.string(), "--deliver-for", "3s"}, milliseconds{15'000});
  EXPECT_EQ(r.code, 1) << "firing, and said to be still waiting\n" << r.out << r.err;
  EXPECT_GT(env.receiver().deliveries().size(), 1u) << "it retried within the time it had";
  EXPECT_NE(r.out.find("1 alert(s) still waiting for delivery after 3s"), std::string::npos) << r.out;
  EXPECT_EQ(outbox_rows(env, "pending"), 1) << "the alert stays in the outbox";
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 0u);

  env.receiver().fail_next(0, 503);
  auto later = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(later.code, 1) << later.out << later.err;
  EXPECT_EQ(count_kind(env.receiver().deliveries(), "assignment.created"), 1u);
  EXPECT_EQ(outbox_rows(env, "pending"), 0);
}

TEST(check, sigterm_while_waiting_for_the_next_try_ends_the_check_and_reports_what_waits) {
  environment env;
  sink_options sink;
  sink.retry_initial_backoff = "20s";  // the next try is far off, well within --deliver-for
  sink.retry_max_backoff = "20s";
  const auto cfg = env.write_config("1s", "alert", sink);
  env.elevate();
  env.receiver().fail_next(1000, 503);
  auto c = env.start({"check", "--config", cfg.string(), "--deliver-for", "60s"});
  // The failed attempt is recorded (and logged) before the wait for the next one begins.
  ASSERT_TRUE(wait_until([&] { return c.err().find("not delivered (attempt 1)") != std::string::npos; })) << c.err();
  c.signal(SIGTERM);
  const auto code = c.wait(milliseconds{10'000});
  ASSERT_TRUE(code.has_value()) << "still waiting after SIGTERM\n" << c.out() << c.err();
  EXPECT_EQ(*code, 1) << c.out() << c.err();
  EXPECT_NE(c.out().find("delivery stopped by a signal"), std::string::npos) << c.out();
  EXPECT_NE(c.out().find("1 alert(s) still waiting for delivery (stopped by a signal)"), std::string::npos) << c.out();
  EXPECT_EQ(env.receiver().deliveries().size(), 1u);
  EXPECT_EQ(outbox_rows(env, "pending"), 1);
}

TEST(check, a_bad_deliver_for_is_a_usage_error) {
  environment env;
  const auto cfg = env.write_config();
  for (const char* bad : {"soon", "-5s", "10", "25h"}) {
    SCOPED_TRACE(bad);
    auto r = env.run({"check", "--config", cfg.string(), "--deliver-for", bad});
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--deliver-for"), std::string::npos) << r.err;
    EXPECT_TRUE(env.azure().requests().empty()) << "nothing runs on a usage error";
  }
  auto other = env.run({"validate", "--config", cfg.string(), "--deliver-for=10s"});
  EXPECT_EQ(other.code, 2) << other.out << other.err;
  EXPECT_NE(other.err.find("--deliver-for is for `rootwatch check` only"), std::string::npos) << other.err;
}

TEST(check, test_alert_prints_the_receivers_answer_and_exits_2_when_it_is_not_2xx) {
  environment env;
  const auto cfg = env.write_config();
  auto ok = env.run({"test-alert", "--config", cfg.string(), "--sink", "soc"});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("the receiver answered status 200: ok"), std::string::npos) << ok.out;
  ASSERT_EQ(env.receiver().deliveries().size(), 1u);
  EXPECT_EQ(env.receiver().deliveries().front().body_json->value("kind", ""), "test");

  env.receiver().fail_next(1, 503);
  auto refused = env.run({"test-alert", "--config", cfg.string(), "--sink", "soc"});
  EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("NOT delivered; the receiver answered status 503: scripted failure"), std::string::npos)
      << refused.out;
}

TEST(check, sigterm_before_delivery_keeps_its_default_effect) {
  environment env;
  const auto cfg = env.write_config();
  fake::fault slow;
  slow.route = fake::azure_route::role_assignments;
  slow.kind = fake::fault_kind::delay;
  slow.delay = milliseconds{20'000};
  env.azure().inject_fault(slow);
  auto c = env.start({"check", "--config", cfg.string()});
  // The listing is asked for: the check is inside its cycle, where a stop request is not taken.
  ASSERT_TRUE(wait_until([&] {
    for (const auto& r : env.azure().requests()) {
      if (r.route == fake::azure_route::role_assignments) {
        return true;
      }
    }
    return false;
  }));
  c.signal(SIGTERM);
  const auto code = c.wait(milliseconds{10'000});
  ASSERT_TRUE(code.has_value()) << c.out() << c.err();
  EXPECT_EQ(*code, 128 + SIGTERM) << c.out() << c.err();
}

}  // namespace
}  // namespace rootwatch::e2e
