// The entra_audit source against the fake Azure's Graph directory audits: the $filter window
// (and the half-open [since, until) kept by the client), @odata.nextLink paging followed
// verbatim, 403 naming AuditLog.Read.All, 429 with Retry-After, token renewal after a 401, and
// the nextLinks it refuses: to another host, back to a page already read, past the page cap.

#include "azure/entra_audit_client.hpp"
#include "azure/entra_audit_parse.hpp"
#include "fake/wire_codec.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view alice = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";

class entra_audit_client_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    // The fake serves Graph on its one base URL, as the tests configure the Graph endpoint.
    options_ = fast_options<entra_audit_options>(graph_scope(azure_->base_url()));
    make_client();
  }

  void make_client() { client_ = std::make_unique<entra_audit_client>(*http_, *tokens_, options_, random_, wall_); }

  fake::directory_audit elevation(timestamp when, std::string id) {
    fake::directory_audit a;
    a.id = std::move(id);
    a.activity_date_time = when;
    a.user_id = std::string(alice);
    a.user_upn = "alice@contoso.example";
    a.user_ip = "203.0.113.7";
    return azure_->add_directory_audit(std::move(a));
  }

  std::vector<fake::recorded_request> audit_requests() const { return requests_on(fake::azure_route::entra_audit); }

  static std::vector<std::string> ids(const std::vector<engine::audit_event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      out.push_back(e.event_id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const timestamp t0_ = *parse_iso8601("2025-02-11T10:00:00Z");
  entra_audit_options options_;
  std::unique_ptr<entra_audit_client> client_;
};

TEST_F(entra_audit_client_test, asks_for_the_service_and_the_window_and_keeps_it_half_open) {
  elevation(t0_ - 1s, "before");
  elevation(t0_, "at-since");
  elevation(t0_ + 5min, "inside");
  elevation(t0_ + 10min, "at-until");
  elevation(t0_ + 11min, "after");
  fake::directory_audit other;
  other.id = "other-service";
  other.activity_date_time = t0_ + 1min;
  other.logged_by_service = "Core Directory";
  azure_->add_directory_audit(other);

  EXPECT_EQ(client_->name(), "entra_audit");
  auto events = run_coro(io_, client_->events(t0_, t0_ + 10min));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(ids(*events), (std::vector<std::string>{"at-since", "inside"}));
  const auto& e = events->front();
  EXPECT_EQ(e.source, "entra_audit");
  EXPECT_EQ(e.operation, "elevate_access");
  EXPECT_EQ(e.actor.upn, "alice@contoso.example");
  EXPECT_EQ(e.actor.ip, "203.0.113.7");

  const auto sent = audit_requests();
  ASSERT_FALSE(sent.empty());
  const std::string& target = sent.front().target;
  EXPECT_TRUE(target.starts_with("/v1.0/auditLogs/directoryAudits?$filter=")) << target;
  const auto params = fake::split_params(target.substr(target.find('?') + 1));
  ASSERT_EQ(params.size(), 1u) << target;
  EXPECT_EQ(params[0].key, "$filter");
  EXPECT_EQ(params[0].value,
            "loggedByService eq 'Azure RBAC (Elevated Access)' and activityDateTime ge 2025-02-11T10:00:00Z and "
            "activityDateTime le 2025-02-11T10:10:00Z");
  EXPECT_EQ(target.find(' '), std::string::npos) << "spaces go as %20";
  for (const auto& r : sent) {
    const auto auth = net::find_header(r.headers, "Authorization");
    ASSERT_TRUE(auth);
    EXPECT_TRUE(auth->starts_with("Bearer ")) << "a token on every request";
  }
}

TEST_F(entra_audit_client_test, follows_next_link_verbatim_to_the_last_page) {
  azure_->set_directory_audit_page_size(2);
  for (int i = 0; i < 5; ++i) {
    elevation(t0_ + std::chrono::minutes(i), fmt::format("rec-{}", i));
  }
  auto events = run_coro(io_, client_->events(t0_, t0_ + 1h));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(ids(*events), (std::vector<std::string>{"rec-0", "rec-1", "rec-2", "rec-3", "rec-4"}));
  const auto sent = audit_requests();
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& r : sent) {
    EXPECT_EQ(r.status, 200) << r.target << ": the fake refuses a re-encoded $skiptoken";
  }
  EXPECT_NE(sent[1].target.find("$skiptoken=audit;2:"), std::string::npos) << sent[1].target;

  // An empty window is no request at all.
  azure_->clear_requests();
  auto none = run_coro(io_, client_->events(t0_, t0_));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(audit_requests().empty());
}

TEST_F(entra_audit_client_test, a_403_names_the_permission_to_grant) {
  elevation(t0_, "rec");
  azure_->set_directory_audit_denied(true);
  auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().kind, error_kind::permission);
  EXPECT_FALSE(events.error().retryable);
  EXPECT_NE(events.error().message.find("AuditLog.Read.All"), std::string::npos) << events.error().message;
  EXPECT_NE(events.error().message.find("Authorization_RequestDenied"), std::string::npos) << events.error().message;
  EXPECT_EQ(audit_requests().size(), 1u) << "a 403 is final";
}

TEST_F(entra_audit_client_test, a_429_is_waited_out_with_its_retry_after_then_fails_as_throttled) {
  elevation(t0_, "rec");
  fake::fault once;
  once.route = fake::azure_route::entra_audit;
  once.status = 429;
  once.code = "TooManyRequests";
  once.retry_after_seconds = 1;
  azure_->inject_fault(once);
  auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), 1u);
  EXPECT_EQ(audit_requests().size(), 2u);

  fake::fault always = once;
  always.count = std::nullopt;
  azure_->inject_fault(always);
  azure_->clear_requests();
  events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().kind, error_kind::throttled);
  EXPECT_TRUE(events.error().retryable);
  EXPECT_EQ(events.error().retry_after, std::chrono::milliseconds(1'000)) << "from Retry-After";
  EXPECT_NE(events.error().message.find("TooManyRequests"), std::string::npos) << events.error().message;
  EXPECT_EQ(audit_requests().size(), static_cast<std::size_t>(options_.retry.max_attempts));
}

TEST_F(entra_audit_client_test, a_401_renews_the_token_once) {
  elevation(t0_, "rec");
  fake::fault expire;
  expire.route = fake::azure_route::entra_audit;
  expire.kind = fake::fault_kind::expire_token;
  azure_->inject_fault(expire);
  // A first token, then the expiry hits the audit request: one renewal, then the answer.
  auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), 1u);
  EXPECT_EQ(tokens_->fetches(), 2u);

  // A 401 that persists is an auth error after one renewal, not a loop.
  fake::fault refuse;
  refuse.route = fake::azure_route::entra_audit;
  refuse.status = 401;
  refuse.code = "InvalidAuthenticationToken";
  refuse.count = std::nullopt;
  azure_->inject_fault(refuse);
  azure_->clear_requests();
  events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().kind, error_kind::auth);
  EXPECT_EQ(audit_requests().size(), 2u);
}

TEST_F(entra_audit_client_test, a_next_link_to_another_host_is_refused_before_the_token_goes_there) {
  azure_->set_directory_audit_page_size(1);
  elevation(t0_, "a");
  elevation(t0_ + 1min, "b");
  for (const std::string& other :
       {fmt::format("https://localhost:{}/v1.0/auditLogs/directoryAudits", azure_->port()),
        fmt::format("https://127.0.0.1:{}/v1.0/auditLogs/directoryAudits", azure_->port() + 1),
        std::string("https://graph.attacker.example/v1.0/auditLogs/directoryAudits"),
        std::string("http://127.0.0.1/v1.0/auditLogs/directoryAudits")}) {
    azure_->set_directory_audit_next_link_override(other);
    azure_->clear_requests();
    auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
    ASSERT_FALSE(events) << other;
    EXPECT_EQ(events.error().kind, error_kind::parse) << other;
    EXPECT_NE(events.error().message.find("not to the configured Graph endpoint"), std::string::npos)
        << events.error().message;
    EXPECT_EQ(audit_requests().size(), 1u) << other;
  }
}

TEST_F(entra_audit_client_test, a_next_link_seen_twice_is_a_loop_and_pages_are_capped) {
  azure_->set_directory_audit_page_size(1);
  for (int i = 0; i < 4; ++i) {
    elevation(t0_ + std::chrono::minutes(i), fmt::format("rec-{}", i));
  }
  // Every page points to the second one: read once, then it comes back.
  azure_->set_directory_audit_next_link_override(azure_->base_url() +
                                                 "/v1.0/auditLogs/directoryAudits?$skiptoken=audit;1:00000000");
  auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().kind, error_kind::parse);
  EXPECT_NE(events.error().message.find("a loop"), std::string::npos) << events.error().message;
  EXPECT_EQ(audit_requests().size(), 2u);

  azure_->set_directory_audit_next_link_override("");
  options_.max_pages = 3;
  make_client();
  azure_->clear_requests();
  events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_NE(events.error().message.find("did not end after 3 pages"), std::string::npos) << events.error().message;
  EXPECT_EQ(audit_requests().size(), 3u);
}

TEST_F(entra_audit_client_test, a_malformed_or_failing_page_fails_the_whole_listing) {
  azure_->set_directory_audit_page_size(1);
  for (int i = 0; i < 3; ++i) {
    elevation(t0_ + std::chrono::minutes(i), fmt::format("rec-{}", i));
  }
  for (const auto kind : {fake::fault_kind::garbage, fake::fault_kind::wrong_shape, fake::fault_kind::wrong_types,
                          fake::fault_kind::truncate}) {
    fake::fault f;
    f.route = fake::azure_route::entra_audit;
    f.kind = kind;
    f.page = 1;
    f.field = "value[].initiatedBy.user.ipAddress";
    f.count = std::nullopt;
    azure_->inject_fault(f);
    auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
    azure_->clear_faults();
    ASSERT_FALSE(events) << to_string(kind);
    EXPECT_NE(events.error().message.find("page 2"), std::string::npos) << events.error().message;
  }
  fake::fault down;
  down.route = fake::azure_route::entra_audit;
  down.status = 503;
  down.page = 2;
  down.count = std::nullopt;
  azure_->inject_fault(down);
  auto events = run_coro(io_, client_->events(t0_ - 1h, t0_ + 1h));
  ASSERT_FALSE(events);
  EXPECT_TRUE(events.error().retryable);
  EXPECT_NE(events.error().message.find("page 3"), std::string::npos) << events.error().message;
}

}  // namespace
}  // namespace rootwatch::azure
