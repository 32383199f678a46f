// Defect 1 end to end in the store: the error text of a failed cycle (an ARM 403 naming
// "jörg@…", or 400 "é") goes into health.last_error and a watch.degraded alert's detail, and
// the commit must succeed. It used to throw type_error.316 from dump(), roll back, and end the
// daemon at every restart, so that the outage alert was never sent.

#include "common/json.hpp"
#include "common/text.hpp"
#include "engine/alert_json.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::store {
namespace {

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

std::string repeated(const std::string& ch, int times) {
  std::string out = "x";
  for (int i = 0; i < times; ++i) {
    out += ch;
  }
  return out;
}

struct text_case {
  std::string name;
  std::string text;
};

std::vector<text_case> error_texts() {
  std::vector<text_case> out;
  for (const std::string ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x91"}) {
    const std::string message = repeated(ch, 400);
    // As arm_error writes it now: cut on a code-point boundary.
    out.push_back({"cut on a boundary " + ch,
                   "arm role assignments answered 403 AuthorizationFailed: " + cut_utf8(message, 300)});
    // As the byte cut at 300 used to write it: the store must not fail even on that.
    out.push_back({"cut in a character " + ch,
                   "arm role assignments answered 403 AuthorizationFailed: " + message.substr(0, 300)});
  }
  out.push_back({"invalid bytes", "answered 403: \xFF\xFE\xC3"});
  return out;
}

engine::alert degraded_alert(const std::string& id, const std::string& detail) {
  engine::alert a = testing_support::sample_alert(id, t0);
  a.kind = "watch.degraded";
  a.detail = detail;
  return a;
}

TEST(state_store_outside_text, a_degraded_cycle_with_any_error_text_commits_and_reads_back) {
  testing_support::temp_dir tmp{"rootwatch-store-text"};
  auto s = state_store::open((tmp.path() / "state").string());
  ASSERT_TRUE(s) << s.error().message;
  int n = 0;
  for (const auto& c : error_texts()) {
    SCOPED_TRACE(c.name);
    const std::string tenant = "t" + std::to_string(++n);
    engine::tenant_state next;
    next.initialized = true;
    next.health.consecutive_failures = 3;
    next.health.degraded = true;
    next.health.failing_since = t0;
    next.health.last_error = c.text;
    const auto committed = (*s)->commit_cycle(tenant, next, {degraded_alert("d-" + tenant, c.text)}, {"soc"}, t0);
    ASSERT_TRUE(committed) << committed.error().message;

    const auto state = (*s)->load_tenant(tenant);
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_TRUE(state->health.degraded);
    EXPECT_EQ(state->health.last_error, c.text);

    const auto due = (*s)->due("soc", t0, 100);
    ASSERT_TRUE(due) << due.error().message;
    bool found = false;
    for (const auto& row : *due) {
      if (row.alert_id != "d-" + tenant) {
        continue;
      }
      found = true;
      EXPECT_TRUE(is_valid_utf8(row.payload));
      const json payload = json::parse(row.payload, nullptr, false);
      ASSERT_FALSE(payload.is_discarded()) << row.payload;
      const auto detail = string_member(payload, "detail");
      ASSERT_TRUE(detail);
      EXPECT_TRUE(is_valid_utf8(*detail));
      if (is_valid_utf8(c.text)) {
        EXPECT_EQ(*detail, c.text);
      }
    }
    EXPECT_TRUE(found);
  }
}

}  // namespace
}  // namespace rootwatch::store
