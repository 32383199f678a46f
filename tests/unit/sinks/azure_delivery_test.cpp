// Delivery to the sinks that send an Entra token (action_group, azure_monitor_logs) against a
// real HTTPS receiver: the bearer token for the sink's scope, a 401 that drops the cached token,
// a token that cannot be had as a failed attempt, and several alerts in one Logs request.

#include "sinks/delivery.hpp"

#include "auth/token_cache.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "format_fixture.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "support/run_coro.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>

namespace rootwatch::sinks {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

// Hands out "token-1", "token-2", ... and remembers the scopes asked for; fails while `failing`.
struct counting_credential : auth::credential {
  std::vector<std::string>* scopes;
  bool* failing;
  const clock* wall;
  counting_credential(std::vector<std::string>& s, bool& f, const clock& c) : scopes(&s), failing(&f), wall(&c) {}
  awaitable<result<auth::access_token>> fetch(std::string scope) override {
    scopes->push_back(scope);
    if (*failing) {
      co_return make_error(error_kind::auth, "AADSTS7000215: invalid client secret", true);
    }
    co_return auth::access_token{"token-" + std::to_string(scopes->size()), wall->now() + 1h, wall->now()};
  }
  std::string_view kind() const override { return "test"; }
};

class azure_delivery_test : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::receiver_options o;
    o.certificate = ca_.issue("localhost");
    auto r = fake::fake_receiver::start(std::move(o));
    ASSERT_TRUE(r) << r.error().message;
    receiver_ = std::move(*r);
    ASSERT_TRUE(ca_.write_ca((dir_ / "ca.pem").string()));
    auto tls = net::client_tls::make((dir_ / "ca.pem").string());
    ASSERT_TRUE(tls);
    http_ = std::make_unique<net::https_client>(io_.get_executor(), *tls, random_, wall_);
  }
  void TearDown() override { receiver_->stop(); }

  resolved_sink sink(config::sink_kind kind) {
    resolved_sink s;
    s.settings.name = "azure";
    s.settings.kind = kind;
    s.settings.timeout = 5s;
    s.settings.token_scope =
        kind == config::sink_kind::action_group ? "api://receiver/.default" : "https://monitor.azure.com//.default";
    s.url = receiver_->url();
    s.tokens = std::make_shared<auth::token_cache>(
        io_.get_executor(), std::make_unique<counting_credential>(scopes_, failing_, wall_), wall_);
    return s;
  }

  static store::outbox_item item(const engine::alert& a) {
    store::outbox_item i;
    i.alert_id = a.id;
    i.sink = "azure";
    i.payload = fixture::stored(a);
    return i;
  }

  attempt_outcome attempt(const resolved_sink& s, std::span<const store::outbox_item> items) {
    return run_coro(io_, attempt_delivery(*http_, s, items, wall_.now()));
  }

  testing_support::temp_dir tmp_{"rootwatch-azure-delivery"};
  std::filesystem::path dir_ = tmp_.path();
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  seeded_rng random_{5};
  manual_clock wall_{std::chrono::system_clock::now()};
  std::unique_ptr<net::https_client> http_;
  std::vector<std::string> scopes_;
  bool failing_ = false;
};

TEST_F(azure_delivery_test, action_group_posts_the_common_alert_schema_with_a_bearer_token_for_its_audience) {
  const auto s = sink(config::sink_kind::action_group);
  const std::vector<store::outbox_item> items{item(fixture::created_alert())};
  const auto out = attempt(s, items);
  EXPECT_TRUE(out.delivered) << out.detail;
  const auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 1u);
  const auto& d = all.front();
  EXPECT_EQ(d.header("Authorization").value_or(""), "Bearer token-1");
  EXPECT_EQ(scopes_, std::vector<std::string>{"api://receiver/.default"});
  ASSERT_TRUE(d.body_json);
  EXPECT_EQ((*d.body_json)["schemaId"], "azureMonitorCommonAlertSchema");
  EXPECT_EQ((*d.body_json)["data"]["essentials"]["monitorCondition"], "Fired");
  EXPECT_FALSE(d.header("webhook-signature").has_value());
}

TEST_F(azure_delivery_test, a_401_drops_the_cached_token_and_is_retried_with_a_new_one) {
  const auto s = sink(config::sink_kind::action_group);
  const std::vector<store::outbox_item> items{item(fixture::created_alert())};
  receiver_->fail_next(1, 401);
  const auto refused = attempt(s, items);
  EXPECT_FALSE(refused.delivered);
  EXPECT_EQ(refused.status, 401);
  EXPECT_FALSE(refused.final_status) << "a stale token is retried, not a refusal";
  const auto again = attempt(s, items);
  EXPECT_TRUE(again.delivered) << again.detail;
  const auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].header("Authorization").value_or(""), "Bearer token-1");
  EXPECT_EQ(all[1].header("Authorization").value_or(""), "Bearer token-2");
  EXPECT_EQ(s.tokens->fetches(), 2u);
}

TEST_F(azure_delivery_test, a_token_that_cannot_be_had_is_a_failed_attempt_that_sends_nothing) {
  const auto s = sink(config::sink_kind::azure_monitor_logs);
  failing_ = true;
  const std::vector<store::outbox_item> items{item(fixture::created_alert())};
  const auto out = attempt(s, items);
  EXPECT_FALSE(out.delivered);
  EXPECT_FALSE(out.final_status);
  EXPECT_EQ(out.status, 0);
  EXPECT_NE(out.detail.find("no token for https://monitor.azure.com//.default"), std::string::npos) << out.detail;
  EXPECT_TRUE(receiver_->deliveries().empty());
}

TEST_F(azure_delivery_test, logs_sends_every_item_of_the_batch_as_rows_of_one_array) {
  const auto s = sink(config::sink_kind::azure_monitor_logs);
  const std::vector<store::outbox_item> items{item(fixture::created_alert()), item(fixture::removed_alert()),
                                              item(fixture::degraded_alert())};
  EXPECT_EQ(batch_prefix(s, items), 3u);
  const auto out = attempt(s, items);
  EXPECT_TRUE(out.delivered) << out.detail;
  const auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 1u);
  const auto& d = all.front();
  EXPECT_EQ(d.header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(d.header("Authorization").value_or(""), "Bearer token-1");
  ASSERT_TRUE(d.body_json && d.body_json->is_array());
  ASSERT_EQ(d.body_json->size(), 3u);
  EXPECT_EQ((*d.body_json)[0]["AlertId"], "a-created");
  EXPECT_EQ((*d.body_json)[1]["AlertId"], "a-removed");
  EXPECT_EQ((*d.body_json)[2]["Kind"], "watch.degraded");
}

TEST_F(azure_delivery_test, batch_prefix_is_one_for_other_kinds_and_cuts_logs_at_one_megabyte) {
  auto big = fixture::created_alert();
  // Each row carries the remediation twice (its column and Alert): about 400 kB.
  big.remediation = std::string(200'000, 'r');
  const std::vector<store::outbox_item> items{item(big), item(big), item(big), item(fixture::created_alert())};
  EXPECT_EQ(batch_prefix(sink(config::sink_kind::action_group), items), 1u);
  EXPECT_EQ(batch_prefix(sink(config::sink_kind::azure_monitor_logs), items), 2u);
  EXPECT_EQ(batch_prefix(sink(config::sink_kind::azure_monitor_logs), std::span(items).subspan(3)), 1u);
  EXPECT_EQ(batch_prefix(sink(config::sink_kind::azure_monitor_logs), std::span<const store::outbox_item>{}), 0u);
}

TEST_F(azure_delivery_test, an_unreadable_row_goes_alone) {
  const auto s = sink(config::sink_kind::azure_monitor_logs);
  auto bad = item(fixture::created_alert());
  bad.payload = "not json";
  const std::vector<store::outbox_item> first_bad{bad, item(fixture::created_alert())};
  EXPECT_EQ(batch_prefix(s, first_bad), 1u);
  const std::vector<store::outbox_item> bad_later{item(fixture::created_alert()), item(fixture::removed_alert()), bad};
  EXPECT_EQ(batch_prefix(s, bad_later), 2u);
}

}  // namespace
}  // namespace rootwatch::sinks
