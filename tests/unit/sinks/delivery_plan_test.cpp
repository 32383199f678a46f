#include "sinks/delivery.hpp"
#include "sinks/render.hpp"

#include "engine/alert_json.hpp"
#include "support/sample_alert.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::sinks {
namespace {

using namespace std::chrono_literals;

const timestamp created = timestamp{} + std::chrono::hours{24 * 365 * 55};

config::sink_settings soc_sink() {
  config::sink_settings s;
  s.name = "soc";
  s.kind = config::sink_kind::webhook;
  s.format = config::webhook_format::rootwatch;
  s.url = "https://hooks.example.net/rootwatch";
  s.retry_initial_backoff = 1s;
  s.retry_max_backoff = 5min;
  s.give_up_after = 72h;
  return s;
}

store::outbox_item item_after(int attempts) {
  store::outbox_item item;
  item.seq = 7;
  item.alert_id = "rw-0123456789abcdef";
  item.sink = "soc";
  item.payload = R"({"schema":"rootwatch.alert/v1"})";
  item.attempts = attempts;
  item.created_at = created;
  item.next_attempt_at = created;
  return item;
}

attempt_outcome failed(int status = 503) {
  attempt_outcome o;
  o.status = status;
  o.detail = "sink soc answered " + std::to_string(status);
  return o;
}

milliseconds wait_of(const retry_plan& plan, timestamp now) {
  return std::chrono::duration_cast<milliseconds>(plan.next_attempt_at - now);
}

// --- plan_retry ---

TEST(plan_retry, the_first_failure_waits_about_the_initial_backoff) {
  const timestamp now = created + 2s;
  const auto low = plan_retry(soc_sink(), item_after(0), failed(), now, 0.0);
  EXPECT_FALSE(low.give_up);
  EXPECT_EQ(wait_of(low, now), 500ms);
  const auto high = plan_retry(soc_sink(), item_after(0), failed(), now, 0.999);
  EXPECT_GE(wait_of(high, now), 990ms);
  EXPECT_LE(wait_of(high, now), 1s);
}

TEST(plan_retry, the_wait_doubles_with_each_failure_up_to_the_maximum) {
  const timestamp now = created + 1h;
  const std::vector<milliseconds> full{1s, 2s, 4s, 8s, 16s, 32s, 64s, 128s, 256s, 300s, 300s, 300s};
  for (std::size_t attempts = 0; attempts < full.size(); ++attempts) {
    SCOPED_TRACE(attempts);
    const auto plan = plan_retry(soc_sink(), item_after(static_cast<int>(attempts)), failed(), now, 0.0);
    EXPECT_FALSE(plan.give_up);
    EXPECT_EQ(wait_of(plan, now), full[attempts] / 2) << "jitter 0 waits half";
    const auto jittered = plan_retry(soc_sink(), item_after(static_cast<int>(attempts)), failed(), now, 0.5);
    EXPECT_EQ(wait_of(jittered, now), full[attempts] * 3 / 4);
  }
}

TEST(plan_retry, many_attempts_stay_at_the_maximum) {
  const timestamp now = created + 1h;
  for (const int attempts : {20, 100, 10'000}) {
    SCOPED_TRACE(attempts);
    const auto plan = plan_retry(soc_sink(), item_after(attempts), failed(), now, 0.999);
    EXPECT_LE(wait_of(plan, now), 5min);
    EXPECT_GE(wait_of(plan, now), 299s);
  }
}

TEST(plan_retry, the_backoff_follows_the_sink_settings) {
  auto sink = soc_sink();
  sink.retry_initial_backoff = 10s;
  sink.retry_max_backoff = 30s;
  const timestamp now = created + 1h;
  EXPECT_EQ(wait_of(plan_retry(sink, item_after(0), failed(), now, 0.0), now), 5s);
  EXPECT_EQ(wait_of(plan_retry(sink, item_after(1), failed(), now, 0.0), now), 10s);
  EXPECT_EQ(wait_of(plan_retry(sink, item_after(2), failed(), now, 0.0), now), 15s) << "40 s capped at 30 s";
}

TEST(plan_retry, a_refusing_receiver_gives_the_alert_up_at_once) {
  const timestamp now = created + 1s;
  for (const int status : {400, 401, 403, 404, 410, 413, 422}) {
    SCOPED_TRACE(status);
    auto outcome = failed(status);
    outcome.final_status = true;
    for (const double jitter : {0.0, 0.5, 0.999}) {
      EXPECT_TRUE(plan_retry(soc_sink(), item_after(0), outcome, now, jitter).give_up);
    }
  }
  for (const int status : {408, 429, 500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(plan_retry(soc_sink(), item_after(0), failed(status), now, 0.5).give_up);
  }
}

TEST(plan_retry, a_longer_retry_after_wins) {
  const timestamp now = created + 1s;
  auto outcome = failed(429);
  outcome.retry_after = 45s;
  const auto plan = plan_retry(soc_sink(), item_after(0), outcome, now, 0.999);
  EXPECT_EQ(wait_of(plan, now), 45s);
}

TEST(plan_retry, a_shorter_retry_after_does_not_shorten_the_backoff) {
  const timestamp now = created + 1h;
  auto outcome = failed(503);
  outcome.retry_after = 1s;
  const auto plan = plan_retry(soc_sink(), item_after(5), outcome, now, 0.0);
  EXPECT_EQ(wait_of(plan, now), 16s);
}

TEST(plan_retry, retry_after_is_capped_at_the_maximum_backoff) {
  const timestamp now = created + 1s;
  auto outcome = failed(429);
  outcome.retry_after = 24h;
  const auto plan = plan_retry(soc_sink(), item_after(0), outcome, now, 0.0);
  EXPECT_FALSE(plan.give_up);
  EXPECT_EQ(wait_of(plan, now), 5min);
}

TEST(plan_retry, gives_up_once_the_alert_is_older_than_give_up_after) {
  const auto sink = soc_sink();
  EXPECT_FALSE(plan_retry(sink, item_after(3), failed(), created + 72h - 1ms, 0.5).give_up);
  EXPECT_TRUE(plan_retry(sink, item_after(3), failed(), created + 72h, 0.5).give_up);
  EXPECT_TRUE(plan_retry(sink, item_after(3), failed(), created + 200h, 0.5).give_up);
}

TEST(plan_retry, gives_up_on_age_whatever_the_outcome) {
  const timestamp now = created + 73h;
  auto refused = failed(400);
  refused.final_status = true;
  auto throttled = failed(429);
  throttled.retry_after = 10s;
  attempt_outcome no_answer;
  no_answer.detail = "sink soc: connect failed";
  for (const auto& outcome : {refused, throttled, no_answer}) {
    SCOPED_TRACE(outcome.detail);
    EXPECT_TRUE(plan_retry(soc_sink(), item_after(0), outcome, now, 0.5).give_up);
  }
}

TEST(plan_retry, the_age_counts_from_when_the_alert_was_queued_not_from_the_last_attempt) {
  auto item = item_after(2);
  item.next_attempt_at = created + 71h;
  EXPECT_TRUE(plan_retry(soc_sink(), item, failed(), created + 72h, 0.0).give_up);
}

// --- supported / render ---

TEST(render, a_rootwatch_webhook_is_supported) {
  EXPECT_TRUE(supported(soc_sink()));
}

TEST(render, the_rootwatch_format_sends_the_stored_payload_byte_for_byte) {
  const std::vector<std::string> payloads{
      R"({"schema":"rootwatch.alert/v1","id":"rw-1","kind":"assignment.created","status":"firing"})",
      "{\n  \"schema\" : \"rootwatch.alert/v1\",\n  \"note\": \"spacing kept\"  \n}\n",
      R"({"principal":{"display_name":"Zoë Ångström – ops"},"escaped":"\u00e9\n"})",
      std::string("{\"nul\":\"a\0b\"}", 13),
      "",
  };
  for (const auto& payload : payloads) {
    SCOPED_TRACE(payload);
    const auto r = render(soc_sink(), payload);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, payload);
    EXPECT_EQ(r->body.size(), payload.size());
    EXPECT_EQ(r->content_type, "application/json");
  }
}

TEST(render, every_sink_kind_is_supported_and_renders_without_secrets) {
  // action_group and azure_monitor_logs were refused until they were built; every kind of the
  // contract is deliverable now.
  const std::string payload = dump_tolerant(engine::to_json(testing_support::sample_alert("a-1", timestamp{})));
  for (const auto kind : {config::sink_kind::action_group, config::sink_kind::azure_monitor_logs}) {
    SCOPED_TRACE(std::string(config::to_string(kind)));
    auto sink = soc_sink();
    sink.kind = kind;
    EXPECT_TRUE(supported(sink));
    const auto r = render(sink, payload);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->content_type, "application/json");
  }
}

}  // namespace
}  // namespace rootwatch::sinks
