// Issue 7, `rootwatch outbox list|retry|drop`: the real binary, run beside a running daemon
// on the same database.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace rootwatch::e2e {
namespace {

// The rows `outbox list --json` prints, each line parsed; a test failure for a line that is
// not a JSON object.
std::vector<json> json_rows(environment& env, const std::vector<std::string>& more = {}) {
  std::vector<std::string> args{"outbox", "list", "--config", env.config_path().string(), "--json"};
  args.insert(args.end(), more.begin(), more.end());
  const auto r = env.run(args);
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<json> rows;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << line;
    if (j.is_object()) {
      rows.push_back(std::move(j));
    }
  }
  return rows;
}

std::optional<json> row_of_kind(const std::vector<json>& rows, const std::string& kind) {
  for (const auto& r : rows) {
    if (r.value("kind", "") == kind) {
      return std::optional<json>(std::in_place, r);
    }
  }
  return std::nullopt;
}

TEST(outbox_cli, a_dead_alert_retried_while_the_daemon_runs_is_delivered) {
  environment env;
  sink_options brief;
  // A 400 is permanent once 4xx is classified so; until then, the short give-up makes it dead.
  brief.give_up_after = "2s";
  env.write_config("1s", "alert", brief);
  env.receiver().fail_next(1'000, 400);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("GAVE UP on ") != std::string::npos; })) << daemon.err();

  const auto table = env.run({"outbox", "list", "--config", env.config_path().string()});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("LAST ERROR"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("dead"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("assignment.created"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("400"), std::string::npos) << "the receiver's answer is the last error\n" << table.out;
  const auto dead = row_of_kind(json_rows(env, {"--state", "dead"}), "assignment.created");
  ASSERT_TRUE(dead);
  EXPECT_EQ((*dead)["tenant"]["name"], "contoso");

  // The receiver is fixed; the daemon keeps running.
  env.receiver().fail_next(0, 200);
  const auto retried = env.run({"outbox", "retry", "--config", env.config_path().string(), "--all-dead"});
  EXPECT_EQ(retried.code, 0) << retried.err;
  EXPECT_NE(retried.out.find("requeued "), std::string::npos) << retried.out;
  EXPECT_NE(retried.out.find("within 30s"), std::string::npos) << retried.out;
  // The dispatcher of an idle sink looks at the outbox at least every 30 s.
  ASSERT_TRUE(wait_accepted(env, "assignment.created", milliseconds{40'000})) << daemon.err();
  ASSERT_TRUE(wait_until([&] {
    const auto done = row_of_kind(json_rows(env, {"--state", "delivered"}), "assignment.created");
    return done && (*done)["seq"] == (*dead)["seq"];
  })) << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(outbox_cli, a_pending_alert_to_a_down_receiver_is_dropped_with_the_operator_note) {
  environment env;
  sink_options slow;
  slow.retry_initial_backoff = "1h";  // after the first failure, the dispatcher leaves the row alone
  slow.retry_max_backoff = "1h";
  env.write_config("1s", "alert", slow);
  env.receiver().stop();
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("not delivered (attempt 1)") != std::string::npos; }))
      << daemon.err();
  const auto listed = row_of_kind(json_rows(env), "assignment.created");
  ASSERT_TRUE(listed) << "outbox list shows the pending row";
  const json pending = *listed;
  EXPECT_EQ(pending["state"], "pending");
  EXPECT_EQ(pending["attempts"], 1);
  EXPECT_TRUE(pending["last_error"].is_string());
  EXPECT_TRUE(pending["next_attempt_at"].is_string());

  const auto refused = env.run({"outbox", "drop", "--config", env.config_path().string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("refuses to run without a selector"), std::string::npos) << refused.err;

  const std::string seq = std::to_string(pending["seq"].get<std::int64_t>());
  const auto dropped = env.run({"outbox", "drop", "--config", env.config_path().string(), "--seq", seq});
  EXPECT_EQ(dropped.code, 0) << dropped.err;
  EXPECT_NE(dropped.out.find("dropped 1 row(s)"), std::string::npos) << dropped.out;

  const auto dead = row_of_kind(json_rows(env, {"--state", "dead"}), "assignment.created");
  ASSERT_TRUE(dead);
  EXPECT_EQ((*dead)["seq"], pending["seq"]);
  EXPECT_EQ((*dead)["last_error"].get<std::string>().rfind("dropped by operator (rootwatch outbox drop) at ", 0), 0u)
      << *dead;
  EXPECT_TRUE((*dead)["finished_at"].is_string());
  EXPECT_FALSE(row_of_kind(json_rows(env, {"--state", "pending"}), "assignment.created")) << "not delivered any more";

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  const auto kept = row_of_kind(json_rows(env, {"--state", "all"}), "assignment.created");
  ASSERT_TRUE(kept) << "never deleted";
  EXPECT_EQ((*kept)["state"], "dead");
}

TEST(outbox_cli, without_a_database_list_fails_and_creates_none) {
  environment env;
  env.write_config("1s");
  const auto r = env.run({"outbox", "list", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no database at"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(env.dir() / "state" / "rootwatch.db"));
}

}  // namespace
}  // namespace rootwatch::e2e
