// The ARM source against the fake Azure: paging, completeness, token renewal, role names.

#include "azure/arm_client.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <map>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view uaa = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

class arm_client_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    arm_ = std::make_unique<arm_client>(*http_, *tokens_, fast_options<arm_options>(arm_scope()), random_, wall_);
  }

  std::string assign(const std::string& role, int n) {
    fake::role_assignment a;
    a.role_definition_id = role;
    a.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", n);
    a.created_by = a.principal_id;
    return azure_->add_assignment(std::move(a)).name;
  }

  std::size_t lists() const { return azure_->request_count(fake::azure_route::role_assignments); }

  std::unique_ptr<arm_client> arm_;
};

TEST_F(arm_client_test, follows_next_link_to_the_last_page) {
  azure_->set_page_size(2);
  for (int i = 0; i < 5; ++i) {
    assign(std::string(uaa), i);
  }
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 5u);
  EXPECT_EQ(lists(), 3u);
  for (const auto& a : *list) {
    EXPECT_EQ(a.scope, "/");
    EXPECT_EQ(a.role.id, uaa);
    EXPECT_EQ(a.principal.type, "User");
    EXPECT_TRUE(a.created_on.has_value());
  }
}

TEST_F(arm_client_test, an_empty_root_is_an_empty_list) {
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->empty());
}

TEST_F(arm_client_test, a_page_that_keeps_failing_fails_the_whole_listing) {
  azure_->set_page_size(1);
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.page = 2;
  f.count = std::nullopt;
  f.status = 503;
  azure_->inject_fault(f);
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_FALSE(list);
  EXPECT_TRUE(list.error().retryable);
  EXPECT_NE(list.error().message.find("page 3"), std::string::npos) << list.error().message;
  EXPECT_EQ(lists(), 2u + 3u) << "two good pages, then three attempts at the third";
}

TEST_F(arm_client_test, a_page_that_fails_once_is_retried_and_the_list_is_complete) {
  azure_->set_page_size(1);
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.page = 1;
  f.status = 429;
  f.retry_after_seconds = 0;
  azure_->inject_fault(f);
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 3u);
}

TEST_F(arm_client_test, a_malformed_page_is_an_error_not_a_shorter_list) {
  assign(std::string(uaa), 1);
  for (const auto kind : {fake::fault_kind::garbage, fake::fault_kind::wrong_shape}) {
    fake::fault f;
    f.route = fake::azure_route::role_assignments;
    f.kind = kind;
    azure_->inject_fault(f);
    auto list = run_coro(io_, arm_->list_root_assignments());
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().kind, error_kind::parse) << list.error().message;
  }
}

TEST_F(arm_client_test, a_forbidden_listing_is_a_permission_error_and_not_retried) {
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.status = 403;
  f.count = std::nullopt;
  azure_->inject_fault(f);
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::permission);
  EXPECT_EQ(lists(), 1u);
}

TEST_F(arm_client_test, a_rejected_token_is_renewed_once) {
  assign(std::string(uaa), 1);
  ASSERT_TRUE(run_coro(io_, arm_->list_root_assignments()));
  azure_->expire_tokens();
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 1u);
  EXPECT_EQ(tokens_->fetches(), 2u);
}

TEST_F(arm_client_test, role_names_come_from_the_builtin_table_or_one_lookup_per_custom_role) {
  fake::role_definition custom;
  custom.name = "0f0e0d0c-0b0a-4909-8807-060504030201";
  custom.role_name = "Root Break-Glass Operator";
  azure_->add_role_definition(custom);
  assign(std::string(uaa), 1);
  assign(custom.name, 2);
  assign(custom.name, 3);
  assign("99999999-9999-4999-8999-999999999999", 4);  // its definition was deleted
  auto snap = run_coro(io_, arm_->snapshot());
  ASSERT_TRUE(snap) << snap.error().message;
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
  EXPECT_EQ(snap->source, "arm");
}

}  // namespace
}  // namespace rootwatch::azure
