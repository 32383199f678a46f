#include "sinks/render.hpp"

#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

config::sink_settings webhook(config::webhook_format f) {
  config::sink_settings s;
  s.name = "soc";
  s.kind = config::sink_kind::webhook;
  s.format = f;
  return s;
}

TEST(render, every_webhook_format_is_supported) {
  for (const auto f : {config::webhook_format::rootwatch, config::webhook_format::common_alert_schema,
                       config::webhook_format::cloudevents, config::webhook_format::alertmanager}) {
    SCOPED_TRACE(std::string(config::to_string(f)));
    const auto ok = supported(webhook(f));
    EXPECT_TRUE(ok) << ok.error().message;
    const auto body = render(webhook(f), fixture::stored(fixture::created_alert()));
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_FALSE(json::parse(body->body, nullptr, false).is_discarded()) << body->body;
  }
}

TEST(render, the_rootwatch_format_sends_the_stored_bytes) {
  const std::string payload = fixture::stored(fixture::created_alert());
  const auto body = render(webhook(config::webhook_format::rootwatch), payload);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->body, payload);
  EXPECT_EQ(body->content_type, "application/json");
}

TEST(render, each_format_has_its_content_type) {
  const std::string payload = fixture::stored(fixture::created_alert());
  EXPECT_EQ(render(webhook(config::webhook_format::common_alert_schema), payload)->content_type, "application/json");
  EXPECT_EQ(render(webhook(config::webhook_format::alertmanager), payload)->content_type, "application/json");
  EXPECT_EQ(render(webhook(config::webhook_format::cloudevents), payload)->content_type,
            "application/cloudevents+json");
}

TEST(render, a_stored_row_that_is_not_an_alert_is_an_error_value_in_every_format) {
  for (const auto f : {config::webhook_format::common_alert_schema, config::webhook_format::cloudevents,
                       config::webhook_format::alertmanager}) {
    SCOPED_TRACE(std::string(config::to_string(f)));
    for (const std::string bad :
         {"", "not json", "[]", R"({"schema":"rootwatch.alert/v1"})", R"({"schema":"rootwatch.alert/v1","id":7})"}) {
      const auto body = render(webhook(f), bad);
      ASSERT_FALSE(body) << bad;
      EXPECT_EQ(body.error().kind, error_kind::parse);
    }
  }
}

}  // namespace
}  // namespace rootwatch::sinks
