// `rootwatch outbox` arguments and output, without a database.

#include "app/outbox_command.hpp"
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace rootwatch::app {
namespace {

result<outbox_request> parse(const std::vector<std::string>& args) {
  return parse_outbox_arguments(args);
}

std::string error_of(const std::vector<std::string>& args) {
  auto r = parse(args);
  EXPECT_FALSE(r);
  return r ? std::string{} : r.error().message;
}

TEST(outbox_arguments, list_shows_pending_and_dead_rows_unless_told_otherwise) {
  auto r = parse({"list"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, outbox_action::list);
  EXPECT_EQ(r->filter.states, (std::vector<std::string>{"pending", "dead"}));
  EXPECT_FALSE(r->json_lines);
  auto all = parse({"list", "--state", "all", "--json", "--sink=soc"});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_TRUE(all->filter.states.empty());
  EXPECT_TRUE(all->json_lines);
  EXPECT_EQ(all->filter.sink, "soc");
  EXPECT_EQ(parse({"list", "--state", "delivered,dead"})->filter.states,
            (std::vector<std::string>{"delivered", "dead"}));
  EXPECT_NE(error_of({"list", "--state", "gone"}).find("not one of"), std::string::npos);
}

TEST(outbox_arguments, seq_takes_lists_and_the_numbers_that_follow) {
  auto r = parse({"retry", "--seq", "3", "4,5", "--seq=9"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->filter.seqs, (std::vector<std::int64_t>{3, 4, 5, 9}));
  EXPECT_TRUE(r->filter.states.empty()) << "retry acts on pending and dead rows alike";
  EXPECT_NE(error_of({"retry", "--seq", "x"}).find("not a row number"), std::string::npos);
  EXPECT_NE(error_of({"retry", "--seq", "0"}).find("not a row number"), std::string::npos);
  EXPECT_NE(error_of({"retry", "--seq", "99999999999999999999"}).find("not a row number"), std::string::npos);
}

TEST(outbox_arguments, retry_all_dead_selects_the_dead_rows) {
  auto r = parse({"retry", "--all-dead"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, outbox_action::retry);
  EXPECT_EQ(r->filter.states, (std::vector<std::string>{"dead"}));
  EXPECT_NE(error_of({"retry"}).find("--all-dead"), std::string::npos);
}

TEST(outbox_arguments, drop_refuses_to_run_without_a_selector) {
  EXPECT_NE(error_of({"drop"}).find("without a selector"), std::string::npos);
  EXPECT_NE(error_of({"drop", "--all-dead"}).find("--all-dead is not for `outbox drop`"), std::string::npos);
  auto r = parse({"drop", "--alert", "abc"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, outbox_action::drop);
  EXPECT_EQ(r->filter.alert_id, "abc");
}

TEST(outbox_arguments, flags_of_another_action_and_strangers_are_refused) {
  EXPECT_NE(error_of({"retry", "--all-dead", "--json"}).find("--json is not for"), std::string::npos);
  EXPECT_NE(error_of({"drop", "--sink", "soc", "--state", "dead"}).find("--state is not for"), std::string::npos);
  EXPECT_NE(error_of({"list", "--all-dead"}).find("--all-dead is not for"), std::string::npos);
  EXPECT_NE(error_of({"purge"}).find("unknown action 'purge'"), std::string::npos);
  EXPECT_NE(error_of({}).find("list, retry or drop"), std::string::npos);
  EXPECT_NE(error_of({"list", "--deliver-for", "1s"}).find("unexpected argument"), std::string::npos);
}

store::outbox_row sample_row() {
  store::outbox_row r;
  r.seq = 7;
  r.state = "dead";
  r.sink = "soc";
  r.kind = "assignment.created";
  r.alert_id = "6bf7b8bd";
  r.tenant_id = "00000000-0000-0000-0000-000000000001";
  r.tenant_name = "contoso";
  r.created_at = *parse_iso8601("2026-01-01T00:00:00Z");
  r.attempts = 3;
  r.next_attempt_at = *parse_iso8601("2026-01-01T00:01:00Z");
  r.last_error = "sink soc answered 400:\n\"bad\xff\"";
  r.finished_at = *parse_iso8601("2026-01-01T00:02:00Z");
  return r;
}

TEST(outbox_output, a_json_line_holds_every_column_and_survives_bad_utf8) {
  const auto line = outbox_json_line(sample_row());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = json::parse(line);
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["state"], "dead");
  EXPECT_EQ(j["tenant"]["name"], "contoso");
  EXPECT_EQ(j["created_at"], "2026-01-01T00:00:00Z");
  EXPECT_TRUE(j["next_attempt_at"].is_null()) << "only a pending row has a next attempt";
  EXPECT_EQ(j["finished_at"], "2026-01-01T00:02:00Z");
  EXPECT_EQ(j["attempts"], 3);
  EXPECT_TRUE(j["last_error"].is_string());
}

TEST(outbox_output, a_table_row_is_one_line_whatever_the_receiver_said) {
  const auto table = outbox_table({sample_row()});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2);
  EXPECT_EQ(table.rfind("SEQ", 0), 0u);
  EXPECT_NE(table.find("contoso"), std::string::npos);
  EXPECT_NE(table.find("sink soc answered 400:"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::app
