// The ARM source against the fake Azure: paging, completeness, token renewal, role names.

#include "azure/arm_client.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

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
  auto snap = run_coro(io_, arm_->snapshot({}));
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

// --- the same listing read again (issue 9) ---

// The rows in order, as text: what a caller would see.
std::vector<std::string> ids(const std::vector<engine::assignment>& rows) {
  std::vector<std::string> out;
  for (const auto& a : rows) {
    out.push_back(a.id + " " + a.role.id + " " + a.principal.id);
  }
  return out;
}

TEST_F(arm_client_test, the_same_listing_is_read_again_but_not_parsed) {
  azure_->set_page_size(2);
  for (int i = 0; i < 5; ++i) {
    assign(std::string(uaa), i);
  }
  auto first = run_coro(io_, arm_->snapshot({}));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->assignments.size(), 5u);
  ASSERT_FALSE(first->unchanged);
  ASSERT_EQ(first->fingerprint.size(), 3u * 16) << "one tag per page";
  EXPECT_EQ(lists(), 3u);

  // The fake mints a new $skipToken for every request, as a service may: the pages are the
  // same apart from their links.
  for (int round = 0; round < 3; ++round) {
    auto again = run_coro(io_, arm_->snapshot(first->fingerprint));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->unchanged);
    EXPECT_TRUE(again->assignments.empty());
    EXPECT_EQ(again->fingerprint, first->fingerprint);
    EXPECT_EQ(again->source, "arm");
  }
  EXPECT_EQ(lists(), 12u) << "every page is still asked for: only the parse is saved";

  // Without the fingerprint the caller holds, the rows are given.
  auto full = run_coro(io_, arm_->snapshot({}));
  ASSERT_TRUE(full);
  EXPECT_FALSE(full->unchanged);
  EXPECT_EQ(ids(full->assignments), ids(first->assignments));
  EXPECT_EQ(full->fingerprint, first->fingerprint) << "same rows, same fingerprint, whatever the tokens";
  auto other = run_coro(io_, arm_->snapshot(std::string(48, 'x')));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->unchanged) << "a fingerprint it did not give";
  EXPECT_EQ(other->assignments.size(), 5u);
}

// Every way one page can change, at the first, a middle and the last page: the answer is the
// full listing, row for row what a client that never skips reads.
TEST_F(arm_client_test, any_change_on_any_page_gives_every_row_as_a_full_read_does) {
  azure_->set_page_size(2);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.push_back(assign(std::string(uaa), i));
  }
  arm_client fresh(*http_, *tokens_, fast_options<arm_options>(arm_scope()), random_, wall_);
  const std::vector<std::function<void()>> changes{
      [&] { names.push_back(assign(std::string(uaa), 10)); },                        // a new last row
      [&] { ASSERT_TRUE(azure_->remove_assignment(names.front())); },                // the first row goes
      [&] { ASSERT_TRUE(azure_->remove_assignment(names[2])); },                     // a middle row goes
      [&] { names.push_back(assign("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", 11)); },  // Owner
      [&] { azure_->set_page_size(3); },                                             // pages cut elsewhere
      [&] { azure_->set_page_size(100); },                                           // one page
      [&] { azure_->set_page_size(2); },                                             // several again
  };
  auto held = run_coro(io_, arm_->snapshot({}));
  ASSERT_TRUE(held) << held.error().message;
  for (std::size_t c = 0; c < changes.size(); ++c) {
    changes[c]();
    auto next = run_coro(io_, arm_->snapshot(held->fingerprint));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_FALSE(next->unchanged) << "change " << c;
    auto truth = run_coro(io_, fresh.list_root_assignments());
    ASSERT_TRUE(truth);
    EXPECT_EQ(ids(next->assignments), ids(*truth)) << "change " << c;
    EXPECT_NE(next->fingerprint, held->fingerprint) << "change " << c;
    held = std::move(next);
    // And unchanged once more, from the new listing.
    auto same = run_coro(io_, arm_->snapshot(held->fingerprint));
    ASSERT_TRUE(same);
    EXPECT_TRUE(same->unchanged) << "change " << c;
  }
}

TEST_F(arm_client_test, a_page_that_turns_malformed_is_an_error_not_unchanged) {
  azure_->set_page_size(2);
  for (int i = 0; i < 3; ++i) {
    assign(std::string(uaa), i);
  }
  auto held = run_coro(io_, arm_->snapshot({}));
  ASSERT_TRUE(held);
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.status = 200;
  f.body = R"({"value":[{"id":42}]})";
  azure_->inject_fault(f);
  auto next = run_coro(io_, arm_->snapshot(held->fingerprint));
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, error_kind::parse);
  auto after = run_coro(io_, arm_->snapshot(held->fingerprint));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_TRUE(after->unchanged) << "a failed read leaves what is held as it was";
}

}  // namespace
}  // namespace rootwatch::azure
