// The shared reader against the fake Azure's ARM role assignment list: every page through one
// authorized GET, the walk's refusals before the token goes anywhere (another origin, a loop,
// past the cap), which page an error came from, one token renewal after a 401, and the API's
// own error with the server's Retry-After.

#include "azure/paged_reader.hpp"
#include "azure/arm_parse.hpp"
#include "azure/bearer_client.hpp"
#include "support/azure_api_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view list_target =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

class paged_reader_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    bearer_options b;
    b.scope = arm_scope();
    b.timeout = 5s;
    b.retry = {2, 10ms, 20ms, 1s};
    b.to_error = arm_error;
    api_ = std::make_unique<bearer_client>(*http_, *tokens_, std::move(b), random_, wall_);
    for (int i = 0; i < 3; ++i) {
      fake::role_assignment r;
      r.role_definition_id = std::string(fake::user_access_administrator_id);
      r.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", i);
      azure_->add_assignment(std::move(r));
    }
    azure_->set_page_size(1);
  }

  paging arm_paging(std::size_t max_pages = 50) const {
    return {"role assignment list", "arm role assignments", "nextLink",
            azure_->base_url(),     "resource manager",     max_pages};
  }

  // Reads the list through read_linked_pages; the ids it saw, or the error.
  result<std::vector<std::string>> read(std::size_t max_pages = 50) {
    std::vector<std::string> ids;
    auto done = run_coro(io_, read_linked_pages(*api_, arm_paging(max_pages), first_url(),
                                                [&ids](std::string_view body) -> result<std::optional<std::string>> {
                                                  auto page = parse_role_assignment_page(body);
                                                  if (!page) {
                                                    return page.error();
                                                  }
                                                  for (const auto& a : page->items) {
                                                    ids.push_back(a.id);
                                                  }
                                                  return std::move(page->next_link);
                                                }));
    if (!done) {
      return done.error();
    }
    return ids;
  }

  std::string first_url() const { return azure_->base_url() + std::string(list_target); }
  std::size_t lists() const { return azure_->request_count(fake::azure_route::role_assignments); }

  std::unique_ptr<bearer_client> api_;
};

TEST_F(paged_reader_test, reads_every_page_with_a_token_on_each) {
  auto ids = read();
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_EQ(ids->size(), 3u);
  EXPECT_EQ(lists(), 3u);
  for (const auto& r : azure_->requests()) {
    if (r.route == fake::azure_route::role_assignments) {
      const auto auth = net::find_header(r.headers, "Authorization");
      ASSERT_TRUE(auth);
      EXPECT_TRUE(auth->starts_with("Bearer "));
      EXPECT_TRUE(net::find_header(r.headers, "x-ms-client-request-id"));
    }
  }
}

TEST_F(paged_reader_test, a_link_to_another_origin_is_refused_before_the_token_goes_there) {
  for (const std::string& other : {"https://arm.attacker.example" + std::string(list_target),
                                   fmt::format("https://localhost:{}{}", azure_->port(), list_target)}) {
    azure_->clear_requests();
    azure_->set_next_link_override(other);
    auto ids = read();
    ASSERT_FALSE(ids) << other;
    EXPECT_EQ(ids.error().kind, error_kind::parse);
    EXPECT_NE(ids.error().message.find("page 1: nextLink points to"), std::string::npos) << ids.error().message;
    EXPECT_NE(ids.error().message.find("not to the configured resource manager"), std::string::npos)
        << ids.error().message;
    EXPECT_EQ(lists(), 1u) << "only the first page was asked for";
  }
}

TEST_F(paged_reader_test, a_link_back_to_a_page_already_read_is_a_loop) {
  azure_->set_next_link_override(first_url());
  auto ids = read();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().kind, error_kind::parse);
  EXPECT_NE(ids.error().message.find("page 1: nextLink points back to a page already read"), std::string::npos)
      << ids.error().message;
  EXPECT_EQ(lists(), 1u) << "the loop is seen before the page is asked for again";
}

TEST_F(paged_reader_test, the_page_cap_ends_a_listing_that_does_not_end) {
  auto ids = read(2);
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().kind, error_kind::parse);
  EXPECT_EQ(ids.error().message, "role assignment list did not end after 2 pages");
  EXPECT_EQ(lists(), 2u) << "no page past the cap is asked for";
}

TEST_F(paged_reader_test, an_error_names_the_page_it_came_from) {
  fake::fault broken;
  broken.route = fake::azure_route::role_assignments;
  broken.kind = fake::fault_kind::garbage;
  broken.page = 1;
  azure_->inject_fault(broken);
  auto ids = read();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().kind, error_kind::parse);
  EXPECT_EQ(ids.error().message.rfind("page 2: malformed role assignment list", 0), 0u) << ids.error().message;
}

TEST_F(paged_reader_test, a_401_renews_the_token_once_then_is_the_answer) {
  fake::fault expire;
  expire.route = fake::azure_route::role_assignments;
  expire.kind = fake::fault_kind::expire_token;
  azure_->inject_fault(expire);
  auto ids = read();
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_EQ(ids->size(), 3u);
  EXPECT_EQ(tokens_->fetches(), 2u) << "one renewal";

  fake::fault refuse;
  refuse.route = fake::azure_route::role_assignments;
  refuse.status = 401;
  refuse.code = "InvalidAuthenticationToken";
  refuse.count = std::nullopt;
  azure_->inject_fault(refuse);
  azure_->clear_requests();
  ids = read();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().kind, error_kind::auth);
  EXPECT_EQ(ids.error().http_status, 401);
  EXPECT_NE(ids.error().message.find("page 1: arm role assignments answered 401 InvalidAuthenticationToken"),
            std::string::npos)
      << ids.error().message;
  EXPECT_EQ(lists(), 2u) << "one renewal, then the 401 is the answer: not a loop";
  EXPECT_EQ(tokens_->fetches(), 3u);
}

TEST_F(paged_reader_test, a_refusal_is_the_apis_error_with_the_servers_retry_after) {
  fake::fault throttled;
  throttled.route = fake::azure_route::role_assignments;
  throttled.status = 429;
  throttled.retry_after_seconds = 1;
  throttled.count = std::nullopt;
  azure_->inject_fault(throttled);
  auto ids = read();
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.error().kind, error_kind::throttled);
  EXPECT_EQ(ids.error().http_status, 429);
  EXPECT_EQ(ids.error().retry_after, std::optional<milliseconds>(1s));
  EXPECT_EQ(lists(), 2u) << "the retry policy's two attempts";
}

TEST_F(paged_reader_test, send_hands_back_any_status_for_the_caller_to_read) {
  fake::fault throttled;
  throttled.route = fake::azure_route::role_assignments;
  throttled.status = 404;
  azure_->inject_fault(throttled);
  net::request req;
  req.url = first_url();
  req.what = "arm role assignments";
  auto res = run_coro(io_, api_->send(std::move(req)));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->status, 404);
}

}  // namespace
}  // namespace rootwatch::azure
