// `rootwatch check` and `rootwatch validate` end to end: exit codes, and invariant 1 (a failed
// or partial listing never looks like a removal).

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

namespace rootwatch::e2e {
namespace {

std::size_t count_kind(const std::vector<fake::delivery>& all, const std::string& kind) {
  return accepted(all, kind).size();
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

TEST(check, an_undeliverable_alert_stays_queued_and_goes_out_on_a_later_run) {
  environment env;
  const auto cfg = env.write_config();
  env.elevate();
  env.receiver().fail_next(1000, 503);
  auto first = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(first.code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("1 kept for a later retry"), std::string::npos) << first.out;
  const auto failed = env.receiver().deliveries();
  ASSERT_FALSE(failed.empty());
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

}  // namespace
}  // namespace rootwatch::e2e
