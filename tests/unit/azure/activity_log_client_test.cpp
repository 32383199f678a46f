// The Activity Log source against the fake Azure: the documented window filter, nextLink
// paging (empty pages included), a late event seen in a later window, the 90-day error,
// a nextLink to another host or back to a page already read, the page cap, token renewal and
// throttling.

#include "azure/activity_log_client.hpp"
#include "azure/activity_log_parse.hpp"
#include "common/encoding.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view alice_oid = "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d";
constexpr std::string_view values_path = "/providers/Microsoft.Insights/eventtypes/management/values";

class activity_log_client_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    options_ = fast_options<activity_log_options>(arm_scope());
    make_client();
    now_ = std::chrono::system_clock::now();
  }

  void make_client() { log_ = std::make_unique<activity_log_client>(*http_, *tokens_, options_, random_, wall_); }

  // An elevation by alice at `when`; `n` tells events apart.
  fake::activity_event elevation(timestamp when, int n) {
    fake::activity_event e;
    e.event_data_id = fmt::format("0c6f1a2b-3d4e-4f50-8a9b-{:012}", n);
    e.event_timestamp = when;
    e.caller_upn = "alice@contoso.example";
    e.caller_object_id = std::string(alice_oid);
    return e;
  }

  std::vector<fake::recorded_request> reads() const { return requests_on(fake::azure_route::activity_log); }

  result<std::vector<engine::audit_event>> read(timestamp since, timestamp until) {
    return run_coro(io_, log_->events(since, until));
  }

  activity_log_options options_;
  std::unique_ptr<activity_log_client> log_;
  timestamp now_;
};

TEST_F(activity_log_client_test, asks_for_the_window_with_the_documented_filter_and_keeps_what_is_inside) {
  azure_->set_activity_log_page_size(10);
  azure_->add_activity_event(elevation(now_ - 2h, 1));
  azure_->add_activity_event(elevation(now_ - 30min, 2));
  azure_->add_activity_event(elevation(now_ - 10min, 3));
  fake::activity_event other = elevation(now_ - 20min, 4);
  other.operation = "Microsoft.Resources/deployments/write";
  azure_->add_activity_event(other);

  const timestamp since = now_ - 1h;
  auto events = read(since, now_);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 2u) << "the one two hours back is outside, the deployment is of no interest";
  for (const auto& e : *events) {
    EXPECT_EQ(e.source, "activity_log");
    EXPECT_EQ(e.operation, "elevate_access");
    EXPECT_EQ(e.actor.upn, "alice@contoso.example");
    EXPECT_EQ(e.actor.id, alice_oid);
    EXPECT_EQ(e.actor.ip, "203.0.113.7");
    EXPECT_EQ(e.principal_id, alice_oid);
  }
  const auto sent = reads();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  const std::string expected_filter =
      fmt::format("eventTimestamp ge '{}' and eventTimestamp le '{}'",
                  format_iso8601(std::chrono::floor<seconds>(since)), format_iso8601(std::chrono::ceil<seconds>(now_)));
  EXPECT_EQ(sent[0].target,
            fmt::format("{}?api-version=2015-04-01&$filter={}", values_path, form_encode(expected_filter)));
}

TEST_F(activity_log_client_test, the_end_of_the_window_is_not_in_it) {
  // The log's `le` is inclusive; the interface's window is [since, until), so that two
  // windows that meet never both hold one event.
  const timestamp edge = std::chrono::floor<seconds>(now_);  // exact in the log's 7 digits
  azure_->add_activity_event(elevation(edge, 1));
  auto events = read(edge - 1h, edge);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_TRUE(events->empty());
  auto next = read(edge, edge + 1h);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->size(), 1u);
}

TEST_F(activity_log_client_test, follows_next_links_to_the_end_empty_pages_included) {
  azure_->set_activity_log_page_size(2);
  azure_->set_activity_log_empty_first_page(true);
  for (int i = 0; i < 5; ++i) {
    azure_->add_activity_event(elevation(now_ - std::chrono::minutes(10 + i), i));
  }
  auto events = read(now_ - 1h, now_);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 5u);
  const auto sent = reads();
  ASSERT_EQ(sent.size(), 4u) << "an empty page with a nextLink, then 2 + 2 + 1";
  for (const auto& r : sent) {
    EXPECT_EQ(r.status, 200) << r.target << ": a re-encoded $skipToken is refused by the fake";
  }
  EXPECT_NE(sent[1].target.find("$skipToken=AS1:"), std::string::npos) << "verbatim, ';' and ':' and all";
}

TEST_F(activity_log_client_test, a_late_event_is_seen_in_a_later_window) {
  // Ten minutes old when it happened, but visible only twenty minutes from now: the first
  // read cannot see it, a later window that overlaps the first one does.
  fake::activity_event late = elevation(now_ - 10min, 1);
  late.visible_from = now_ + 20min;
  azure_->add_activity_event(late);
  auto first = read(now_ - 1h, now_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->empty());

  azure_->set_clock_offset(std::chrono::duration_cast<seconds>(30min));
  auto later = read(now_ - 15min, now_ + 30min);
  ASSERT_TRUE(later) << later.error().message;
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->at(0).event_id, late.event_data_id);
}

TEST_F(activity_log_client_test, a_window_over_90_days_back_is_a_plain_error) {
  auto events = read(now_ - std::chrono::hours(24 * 91), now_);
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().http_status, 400);
  EXPECT_FALSE(events.error().retryable);
  EXPECT_NE(events.error().message.find("keeps 90 days"), std::string::npos) << events.error().message;
  EXPECT_EQ(reads().size(), 1u) << "a 400 is not retried";
}

TEST_F(activity_log_client_test, a_next_link_to_another_host_is_refused_before_the_token_goes_there) {
  azure_->add_activity_event(elevation(now_ - 10min, 1));
  azure_->set_activity_log_next_link_override(
      fmt::format("https://127.0.0.2:{}{}?api-version=2015-04-01&$skipToken=AS1:2:0", azure_->port(), values_path));
  auto events = read(now_ - 1h, now_);
  ASSERT_FALSE(events) << "never a partial list";
  EXPECT_EQ(events.error().kind, error_kind::parse);
  EXPECT_NE(events.error().message.find("not to the configured resource manager"), std::string::npos)
      << events.error().message;
  EXPECT_EQ(reads().size(), 1u);
}

TEST_F(activity_log_client_test, a_next_link_back_to_a_page_already_read_is_a_loop) {
  azure_->add_activity_event(elevation(now_ - 10min, 1));
  // Every page names the same second page: read once, then named again.
  azure_->set_activity_log_next_link_override(fmt::format("{}{}?api-version=2015-04-01&$filter={}&$skipToken=AS1:0:0",
                                                          azure_->base_url(), values_path,
                                                          form_encode(activity_log_filter(now_ - 1h, now_))));
  auto events = read(now_ - 1h, now_);
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().kind, error_kind::parse);
  EXPECT_NE(events.error().message.find("a loop"), std::string::npos) << events.error().message;
  EXPECT_EQ(reads().size(), 2u) << "the first page, and the page its nextLink names; not the same one again";
}

TEST_F(activity_log_client_test, a_listing_that_does_not_end_stops_at_the_page_cap) {
  options_.max_pages = 2;
  make_client();
  azure_->set_activity_log_page_size(1);
  for (int i = 0; i < 4; ++i) {
    azure_->add_activity_event(elevation(now_ - std::chrono::minutes(10 + i), i));
  }
  auto events = read(now_ - 1h, now_);
  ASSERT_FALSE(events);
  EXPECT_NE(events.error().message.find("did not end after 2 pages"), std::string::npos) << events.error().message;
}

TEST_F(activity_log_client_test, a_rejected_token_is_renewed_once) {
  azure_->add_activity_event(elevation(now_ - 10min, 1));
  ASSERT_TRUE(read(now_ - 1h, now_));
  azure_->expire_tokens();
  auto events = read(now_ - 1h, now_);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), 1u);
  EXPECT_EQ(tokens_->fetches(), 2u);
}

TEST_F(activity_log_client_test, throttling_and_outages_are_retried_then_reported) {
  azure_->add_activity_event(elevation(now_ - 10min, 1));
  fake::fault once;
  once.route = fake::azure_route::activity_log;
  once.status = 429;
  once.retry_after_seconds = 0;
  azure_->inject_fault(once);
  auto events = read(now_ - 1h, now_);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), 1u);

  fake::fault down;
  down.route = fake::azure_route::activity_log;
  down.status = 503;
  down.retry_after_seconds = 0;
  down.count = std::nullopt;
  azure_->inject_fault(down);
  auto failed = read(now_ - 1h, now_);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().retryable);
  EXPECT_EQ(failed.error().http_status, 503);
}

TEST_F(activity_log_client_test, a_malformed_page_fails_the_whole_window) {
  azure_->set_activity_log_page_size(1);
  azure_->add_activity_event(elevation(now_ - 10min, 1));
  azure_->add_activity_event(elevation(now_ - 11min, 2));
  fake::fault spoilt;
  spoilt.route = fake::azure_route::activity_log;
  spoilt.kind = fake::fault_kind::wrong_types;
  spoilt.field = "value[].eventDataId";
  spoilt.page = 1;
  azure_->inject_fault(spoilt);
  auto events = read(now_ - 1h, now_);
  ASSERT_FALSE(events) << "never a partial list";
  EXPECT_EQ(events.error().kind, error_kind::parse);
  EXPECT_NE(events.error().message.find("page 2"), std::string::npos) << events.error().message;
  EXPECT_NE(events.error().message.find("eventDataId"), std::string::npos) << events.error().message;
}

}  // namespace
}  // namespace rootwatch::azure
