// The Resource Graph source against the fake Azure: $skipToken paging, the user quota (waited
// out, or the cycle fails as throttled), 429, token renewal, loops of skip tokens, truncated
// and malformed pages, and role names.

#include "azure/resource_graph_client.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <map>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view uaa = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
constexpr std::string_view query_target = "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01";

class resource_graph_client_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    options_ = fast_options<resource_graph_options>(arm_scope());
    options_.page_size = 2;
    options_.max_quota_wait = 3s;
    make_client();
  }

  void make_client() { graph_ = std::make_unique<resource_graph_client>(*http_, *tokens_, options_, random_, wall_); }

  std::string assign(const std::string& role, int n, std::string scope = "/") {
    fake::role_assignment a;
    a.role_definition_id = role;
    a.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", n);
    a.created_by = a.principal_id;
    a.scope = std::move(scope);
    return azure_->add_assignment(std::move(a)).name;
  }

  std::vector<fake::recorded_request> queries() const { return requests_on(fake::azure_route::resource_graph); }

  std::size_t throttled_answers() const {
    std::size_t n = 0;
    for (const auto& r : queries()) {
      n += r.status == 429 ? 1 : 0;
    }
    return n;
  }

  resource_graph_options options_;
  std::unique_ptr<resource_graph_client> graph_;
};

TEST_F(resource_graph_client_test, pages_by_skip_token_to_the_end_and_keeps_the_watched_scopes) {
  for (int i = 0; i < 5; ++i) {
    assign(std::string(uaa), i);
  }
  assign(std::string(uaa), 9, "/subscriptions/0b1c2d3e-0000-4000-8000-000000000000");
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 5u) << "the subscription-scope row is not watched";
  for (const auto& a : *list) {
    EXPECT_EQ(a.scope, "/");
    EXPECT_EQ(a.role.id, uaa) << "the fake writes RoleDefinitions/<GUID> in upper case";
    EXPECT_EQ(a.principal.type, "User");
    EXPECT_TRUE(a.created_on.has_value());
  }
  const auto sent = queries();
  ASSERT_EQ(sent.size(), 3u) << "6 rows, 2 per page";
  // Each next query carries the previous page's token, verbatim, in the body.
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].method, "POST");
    EXPECT_EQ(sent[i].target, query_target);
    const json body = json::parse(sent[i].body);
    EXPECT_EQ(body.at("options").at("authorizationScopeFilter"), "AtScopeAboveAndBelow");
    EXPECT_EQ(body.at("options").at("$top"), 2);
    EXPECT_EQ(body.at("options").contains("$skipToken"), i > 0);
  }
}

TEST_F(resource_graph_client_test, an_empty_tenant_is_an_empty_list) {
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->empty());
}

TEST_F(resource_graph_client_test, a_used_up_quota_is_waited_out_without_a_single_429) {
  azure_->set_graph_quota(2, 1s);
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 5; ++i) {
    assign(std::string(uaa), i);
  }
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 5u);
  EXPECT_EQ(queries().size(), 5u);
  EXPECT_EQ(throttled_answers(), 0u) << "no query is sent while x-ms-user-quota-remaining says 0";
}

TEST_F(resource_graph_client_test, a_quota_that_resets_later_than_the_cycle_may_wait_fails_it_as_throttled) {
  azure_->set_graph_quota(1, 60s);
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list) << "never a partial list";
  EXPECT_EQ(list.error().kind, error_kind::throttled) << list.error().message;
  EXPECT_TRUE(list.error().retryable);
  ASSERT_TRUE(list.error().retry_after);
  EXPECT_GE(*list.error().retry_after, 55s);
  EXPECT_LE(*list.error().retry_after, 60s);
  EXPECT_EQ(queries().size(), 1u) << "the second page is not asked for against a used-up quota";
  EXPECT_EQ(throttled_answers(), 0u);
  // The next cycle knows too: it fails at once instead of spending a query on a 429.
  auto again = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, error_kind::throttled);
  EXPECT_EQ(queries().size(), 1u);
}

TEST_F(resource_graph_client_test, a_429_without_retry_after_waits_for_the_quota_reset_header) {
  azure_->exhaust_graph_quota(60s);
  assign(std::string(uaa), 1);
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::throttled) << list.error().message;
  ASSERT_TRUE(list.error().retry_after) << "from x-ms-user-quota-resets-after";
  EXPECT_GE(*list.error().retry_after, 55s);
  EXPECT_LE(*list.error().retry_after, 60s);
}

TEST_F(resource_graph_client_test, a_429_with_retry_after_is_obeyed) {
  assign(std::string(uaa), 1);
  fake::fault once;
  once.route = fake::azure_route::resource_graph;
  once.status = 429;
  once.retry_after_seconds = 0;
  azure_->inject_fault(once);
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 1u);

  options_.retry = {1, 10ms, 20ms, 2s};
  make_client();
  fake::fault forever = once;
  forever.retry_after_seconds = 30;
  forever.count = std::nullopt;
  azure_->inject_fault(forever);
  auto throttled = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(throttled);
  EXPECT_EQ(throttled.error().kind, error_kind::throttled);
  EXPECT_NE(throttled.error().message.find("RateLimiting"), std::string::npos) << throttled.error().message;
  EXPECT_EQ(throttled.error().retry_after, 30s);
}

TEST_F(resource_graph_client_test, a_rejected_token_is_renewed_once) {
  assign(std::string(uaa), 1);
  ASSERT_TRUE(run_coro(io_, graph_->list_assignments()));
  azure_->expire_tokens();
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 1u);
  EXPECT_EQ(tokens_->fetches(), 2u);
}

TEST_F(resource_graph_client_test, a_skip_token_that_comes_back_is_a_loop) {
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  azure_->set_graph_skip_token_override("ew0KICAiJGlkIjogIjEiLA0K");
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::parse);
  EXPECT_NE(list.error().message.find("$skipToken repeats"), std::string::npos) << list.error().message;
  EXPECT_EQ(queries().size(), 2u);
}

TEST_F(resource_graph_client_test, a_skip_token_naming_another_host_never_leaves_the_configured_one) {
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 2; ++i) {
    assign(std::string(uaa), i);
  }
  const std::string elsewhere = "https://attacker.example/providers/Microsoft.ResourceGraph/resources?x=1";
  azure_->set_graph_skip_token_override(elsewhere);
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list) << "the token loops";
  const auto sent = queries();
  ASSERT_EQ(sent.size(), 2u);
  // The token is opaque: it travels in the body to the one configured host, never as a URL.
  EXPECT_EQ(sent[1].target, query_target);
  EXPECT_EQ(json::parse(sent[1].body).at("options").at("$skipToken"), elsewhere);
}

TEST_F(resource_graph_client_test, a_truncated_result_is_an_error_not_a_shorter_list) {
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  azure_->set_graph_result_truncated(true);
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::parse);
  EXPECT_NE(list.error().message.find("resultTruncated"), std::string::npos) << list.error().message;
}

TEST_F(resource_graph_client_test, a_malformed_or_failing_page_fails_the_whole_listing) {
  options_.page_size = 1;
  make_client();
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  for (const auto kind : {fake::fault_kind::garbage, fake::fault_kind::wrong_shape, fake::fault_kind::wrong_types,
                          fake::fault_kind::invalid_utf8, fake::fault_kind::truncate}) {
    fake::fault f;
    f.route = fake::azure_route::resource_graph;
    f.kind = kind;
    f.page = 1;
    f.count = std::nullopt;
    azure_->inject_fault(f);
    auto list = run_coro(io_, graph_->list_assignments());
    azure_->clear_faults();
    if (kind == fake::fault_kind::invalid_utf8 && list) {
      EXPECT_EQ(list->size(), 3u) << "bad bytes in a principal id: a whole list or an error";
      continue;
    }
    ASSERT_FALSE(list) << to_string(kind);
    EXPECT_NE(list.error().message.find("page 2"), std::string::npos) << list.error().message;
  }
  fake::fault down;
  down.route = fake::azure_route::resource_graph;
  down.status = 503;
  down.page = 2;
  down.count = std::nullopt;
  azure_->inject_fault(down);
  auto list = run_coro(io_, graph_->list_assignments());
  ASSERT_FALSE(list);
  EXPECT_TRUE(list.error().retryable);
  EXPECT_NE(list.error().message.find("page 3"), std::string::npos) << list.error().message;
}

TEST_F(resource_graph_client_test, role_names_come_from_the_builtin_table_or_one_lookup_per_custom_role) {
  fake::role_definition custom;
  custom.name = "0f0e0d0c-0b0a-4909-8807-060504030201";
  custom.role_name = "Root Break-Glass Operator";
  azure_->add_role_definition(custom);
  assign(std::string(uaa), 1);
  assign(custom.name, 2);
  assign(custom.name, 3);
  assign("99999999-9999-4999-8999-999999999999", 4);  // its definition was deleted
  auto snap = run_coro(io_, graph_->snapshot({}));
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->source, "resource_graph");
  ASSERT_EQ(snap->assignments.size(), 4u);
  std::map<std::string, std::string> names;
  for (const auto& a : snap->assignments) {
    names[a.principal.id] = a.role.name;
  }
  EXPECT_EQ(names["a11ce000-0000-4000-8000-000000000001"], "User Access Administrator");
  EXPECT_EQ(names["a11ce000-0000-4000-8000-000000000002"], "Root Break-Glass Operator");
  EXPECT_EQ(names["a11ce000-0000-4000-8000-000000000003"], "Root Break-Glass Operator");
  EXPECT_EQ(names["a11ce000-0000-4000-8000-000000000004"], "");
  EXPECT_EQ(azure_->request_count(fake::azure_route::role_definitions), 2u);
}

}  // namespace
}  // namespace rootwatch::azure
