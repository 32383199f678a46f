// The ARM listing against nextLinks it must not follow: one back to a page already read in
// this listing (a loop), and one to another host. The fake's next_link_override makes every
// page's nextLink the given URL, verbatim.

#include "azure/arm_client.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view list_target =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

class arm_next_link_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    auto a = fast_options<arm_options>(arm_scope());
    a.retry = {2, 10ms, 20ms, 1s};
    a.max_pages = 50;  // the cap still ends a loop, just later: keep that case quick
    arm_ = std::make_unique<arm_client>(*http_, *tokens_, a, random_, wall_);
    for (int i = 0; i < 3; ++i) {
      fake::role_assignment r;
      r.role_definition_id = std::string(fake::user_access_administrator_id);
      r.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", i);
      azure_->add_assignment(std::move(r));
    }
  }

  std::size_t lists() const { return azure_->request_count(fake::azure_route::role_assignments); }

  std::unique_ptr<arm_client> arm_;
};

TEST_F(arm_next_link_test, a_next_link_back_to_the_first_page_is_a_loop_named_by_its_page) {
  azure_->set_page_size(1);
  azure_->set_next_link_override(azure_->base_url() + std::string(list_target));
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_FALSE(list) << "a loop is not a listing";
  EXPECT_EQ(list.error().kind, error_kind::parse);
  EXPECT_NE(list.error().message.find("page 1"), std::string::npos) << list.error().message;
  EXPECT_NE(list.error().message.find("nextLink points back to a page already read"), std::string::npos)
      << list.error().message;
  EXPECT_EQ(lists(), 1u) << "the loop is seen before the page is asked for again";
}

TEST_F(arm_next_link_test, a_next_link_that_repeats_itself_is_a_loop_at_the_second_page) {
  // Page 1 leads to a new URL; that page names itself as the next one.
  azure_->set_page_size(1);
  azure_->set_next_link_override(azure_->base_url() + std::string(list_target) + "&$top=1");
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::parse);
  EXPECT_NE(list.error().message.find("page 2"), std::string::npos) << list.error().message;
  EXPECT_EQ(lists(), 2u);
}

TEST_F(arm_next_link_test, a_listing_works_again_once_the_loop_is_gone) {
  azure_->set_page_size(1);
  azure_->set_next_link_override(azure_->base_url() + std::string(list_target));
  ASSERT_FALSE(run_coro(io_, arm_->list_root_assignments()));
  azure_->set_next_link_override("");
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 3u) << "a nextLink seen in an earlier listing does not count in this one";
}

TEST_F(arm_next_link_test, a_next_link_to_another_host_is_not_followed) {
  azure_->set_next_link_override("https://arm.attacker.example" + std::string(list_target));
  auto list = run_coro(io_, arm_->list_root_assignments());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, error_kind::parse);
  EXPECT_NE(list.error().message.find("not to the configured resource manager"), std::string::npos)
      << list.error().message;
  EXPECT_EQ(lists(), 1u);
}

}  // namespace
}  // namespace rootwatch::azure
