#include "engine/delivery_failed.hpp"

#include "builders.hpp"
#include "engine/alert_json.hpp"

#include <gtest/gtest.h>

namespace rootwatch::engine {
namespace {

using testing::at;

alert lost_alert(severity level) {
  alert a;
  a.id = "0123456789abcdef0123456789abcdef";
  a.kind = "assignment.created";
  a.status = "firing";
  a.level = level;
  a.rule = "anything-at-root";
  a.tenant = {"00000000-0000-0000-0000-000000000001", "contoso"};
  assignment s;
  s.id = "/providers/Microsoft.Authorization/roleAssignments/x";
  s.scope = "/";
  s.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  s.principal = {"11111111-1111-1111-1111-111111111111", "User", std::nullopt};
  a.subject = s;
  a.correlation_key = "ck";
  a.first_seen = at("2025-03-01T12:00:00Z");
  a.detected_at = a.first_seen;
  return a;
}

const timestamp now = at("2025-03-04T12:00:00Z");

TEST(delivery_failed, names_the_sink_the_alert_and_the_error_and_keeps_the_subject) {
  const auto a = delivery_failed_alert(lost_alert(severity::critical), {"soc", "sink soc answered 400", 1}, now);
  EXPECT_EQ(a.kind, "watch.delivery_failed");
  EXPECT_EQ(a.status, "firing");
  EXPECT_EQ(a.level, severity::critical);
  EXPECT_EQ(a.tenant.name, "contoso");
  ASSERT_TRUE(a.subject);
  EXPECT_EQ(a.subject->scope, "/");
  ASSERT_TRUE(a.detail);
  EXPECT_NE(a.detail->find("sink soc gave up on alert 0123456789abcdef0123456789abcdef (assignment.created, "
                           "critical) after 1 attempt: sink soc answered 400"),
            std::string::npos)
      << *a.detail;
  EXPECT_NE(a.remediation.find("rootwatch outbox retry --config <FILE> --alert 0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.detected_at, now);
  EXPECT_NE(a.correlation_key, "ck") << "its own story, not the assignment's";
}

TEST(delivery_failed, never_below_high) {
  EXPECT_EQ(delivery_failed_alert(lost_alert(severity::info), {"soc", "x", 3}, now).level, severity::high);
  EXPECT_EQ(delivery_failed_alert(lost_alert(severity::high), {"soc", "x", 3}, now).level, severity::high);
}

TEST(delivery_failed, the_id_is_stable_per_alert_and_sink) {
  const auto lost = lost_alert(severity::critical);
  const auto a = delivery_failed_alert(lost, {"soc", "x", 3}, now);
  const auto b = delivery_failed_alert(lost, {"soc", "other error", 9}, now + std::chrono::hours{1});
  const auto c = delivery_failed_alert(lost, {"pager", "x", 3}, now);
  EXPECT_EQ(a.id, b.id);
  EXPECT_NE(a.id, c.id);
  EXPECT_EQ(a.id.size(), 32u);
}

TEST(delivery_failed, round_trips_through_the_alert_json) {
  const auto a = delivery_failed_alert(lost_alert(severity::critical), {"soc", "x", 3}, now);
  EXPECT_EQ(alert_from_json(to_json(a)), a);
}

}  // namespace
}  // namespace rootwatch::engine
