// Schema 8 (issue 9): the due-row query uses an index over a sink's pending rows in queue
// order, so that a claim does not walk every row ever queued. A schema 7 file with a pending
// row is upgraded, keeps the row, and the query plan names the index.

#include "store/schema.hpp"
#include "store/state_store.hpp"
#include "store/time_columns.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace rootwatch::store {
namespace {

TEST(outbox_pending_index_test, a_schema_7_file_is_upgraded_and_the_due_query_uses_the_index) {
  testing_support::temp_dir tmp{"rootwatch-outbox-index"};
  const auto dir = tmp.file("state");
  std::filesystem::create_directories(dir);
  {
    auto db = database::open((std::filesystem::path(dir) / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(prepare_schema(*db, 7));
    ASSERT_TRUE(
        db->exec("INSERT INTO outbox (alert_id, sink, kind, payload, created_at, next_attempt_at, order_key) "
                 "VALUES ('a1', 'soc', 'assignment.created', '{}', 0, 0, 'a1')"));
  }
  auto s = state_store::open(dir);
  ASSERT_TRUE(s) << s.error().message;
  auto due = (*s)->due("soc", from_ms(1), 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().alert_id, "a1");

  auto db = database::open((std::filesystem::path(dir) / "rootwatch.db").string());
  ASSERT_TRUE(db);
  auto plan = db->prepare(
      "EXPLAIN QUERY PLAN SELECT o.seq FROM outbox o WHERE o.sink = 'soc' AND o.state = 'pending' AND "
      "NOT EXISTS (SELECT 1 FROM outbox p WHERE p.sink = o.sink AND p.order_key = o.order_key AND "
      "p.state = 'pending' AND p.seq < o.seq) AND o.next_attempt_at <= 1 AND o.seq > 0 ORDER BY o.seq LIMIT 32");
  ASSERT_TRUE(plan);
  std::string text;
  ASSERT_TRUE(plan->for_each_row([&](const statement& row) { text += row.text(3) + "\n"; }));
  EXPECT_NE(text.find("outbox_pending"), std::string::npos) << text;
}

}  // namespace
}  // namespace rootwatch::store
