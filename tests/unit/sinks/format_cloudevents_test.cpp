#include "sinks/format_cloudevents.hpp"

#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

json event_of(const engine::alert& a) {
  const rendered r = render_cloudevents(a, engine::to_json(a));
  EXPECT_EQ(r.content_type, "application/cloudevents+json");
  return json::parse(r.body);
}

TEST(cloudevents, a_structured_event_with_every_attribute) {
  const engine::alert a = fixture::created_alert();
  const json e = event_of(a);
  EXPECT_EQ(e["specversion"], "1.0");
  EXPECT_EQ(e["id"], "a-created");
  EXPECT_EQ(e["source"], "rootwatch/" + a.tenant.id);
  EXPECT_EQ(e["type"], "io.rootwatch.assignment.created");
  EXPECT_EQ(e["time"], "2025-02-11T10:00:00Z");
  EXPECT_EQ(e["subject"], a.subject->id);
  EXPECT_EQ(e["datacontenttype"], "application/json");
  EXPECT_EQ(e["data"], engine::to_json(a));
  EXPECT_EQ(e.size(), 8u) << e.dump(2);
}

TEST(cloudevents, a_removal_is_its_own_event_type_with_its_own_id) {
  const json e = event_of(fixture::removed_alert());
  EXPECT_EQ(e["type"], "io.rootwatch.assignment.removed");
  EXPECT_EQ(e["id"], "a-removed");
  EXPECT_EQ(e["time"], "2025-02-11T10:05:00.5Z");
  EXPECT_EQ(e["data"]["status"], "resolved");
}

TEST(cloudevents, the_watchers_own_alert_is_about_the_tenant) {
  const engine::alert a = fixture::degraded_alert();
  const json e = event_of(a);
  EXPECT_EQ(e["type"], "io.rootwatch.watch.degraded");
  EXPECT_EQ(e["subject"], a.tenant.id);
}

TEST(cloudevents, the_source_stays_a_uri_reference_whatever_the_tenant_id_holds) {
  EXPECT_EQ(cloudevents_source({"a b/c", "x"}), "rootwatch/a%20b%2Fc");
}

TEST(cloudevents, non_ascii_data_arrives_as_utf8) {
  const rendered r = render_cloudevents(fixture::created_alert(), engine::to_json(fixture::created_alert()));
  EXPECT_NE(r.body.find("Zoë Ångström 日本"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace rootwatch::sinks
