// A pagerduty sink's routing key: read from its file or variable when the sink is resolved, and
// known to the scrubber from then on, so that a receiver echoing the event body in an error
// cannot bring it into a log line (invariant 5).

#include "app/secrets.hpp"
#include "common/error.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace rootwatch::app {
namespace {

env_lookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

config::sink_settings pagerduty() {
  config::sink_settings s;
  s.name = "pager";
  s.kind = config::sink_kind::pagerduty;
  s.url = std::string(config::pagerduty_events_url);
  s.routing_key_env = "RW_TEST_PD_KEY";
  return s;
}

TEST(routing_key, is_read_and_known_to_the_scrubber_once_resolved) {
  const std::string key = "R0utingKeyRegTest0123456789abcdef";
  const auto r = resolve_sink(pagerduty(), env({{"RW_TEST_PD_KEY", key + "\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->routing_key, key);
  EXPECT_TRUE(r->keys.empty());
  const auto e = make_error(error_kind::http, R"(PagerDuty said: invalid event {"routing_key":")" + key + "\"}");
  EXPECT_EQ(e.message.find("R0utingKeyRegTest"), std::string::npos) << e.message;
}

TEST(routing_key, a_missing_variable_names_the_sink_and_the_variable) {
  const auto r = resolve_sink(pagerduty(), env({}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sink pager routing key"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("RW_TEST_PD_KEY"), std::string::npos) << r.error().message;
}

TEST(routing_key, other_sinks_have_none) {
  config::sink_settings s;
  s.name = "chat";
  s.kind = config::sink_kind::slack;
  s.url = "https://hooks.example.com/services/T0/B0/x";
  const auto r = resolve_sink(s, env({}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->routing_key.empty());
}

}  // namespace
}  // namespace rootwatch::app
