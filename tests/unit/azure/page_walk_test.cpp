// The page walk's refusals, without a server: a link off the configured endpoint's origin
// (scheme, host, port), a link or $skipToken back to one already seen in this listing, and
// more pages than the cap. Each is an error of kind parse naming the listing and the page.

#include "azure/paged_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::azure {
namespace {

constexpr std::string_view base = "https://management.example:8443";
constexpr std::string_view first = "https://management.example:8443/list?api-version=1";

paging arm_like(std::size_t max_pages = 10) {
  return {"role assignment list", "arm role assignments", "nextLink", std::string(base), "resource manager", max_pages};
}

TEST(page_walk, pages_are_numbered_from_one_and_capped) {
  page_walk walk(arm_like(2));
  auto p1 = walk.next_page();
  auto p2 = walk.next_page();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(*p1, 1u);
  EXPECT_EQ(*p2, 2u);
  auto p3 = walk.next_page();
  ASSERT_FALSE(p3) << "a listing that does not end is a malformed answer";
  EXPECT_EQ(p3.error().kind, error_kind::parse);
  EXPECT_EQ(p3.error().message, "role assignment list did not end after 2 pages");
}

TEST(page_walk, a_link_on_the_configured_origin_is_followed_whatever_the_case_of_its_host) {
  page_walk walk(arm_like(), std::string(first));
  ASSERT_TRUE(walk.next_page());
  EXPECT_TRUE(walk.follow_link("https://management.example:8443/list?$skipToken=a"));
  EXPECT_TRUE(walk.follow_link("https://MANAGEMENT.example:8443/list?$skipToken=b"));
}

TEST(page_walk, a_link_off_the_configured_origin_is_refused_and_its_path_never_shown) {
  for (const std::string link : {
           "https://arm.attacker.example:8443/list?secret=1",  // another host
           "https://management.example/list?secret=1",         // another port (443)
           "https://management.example:9443/list?secret=1",    // another port
           "http://management.example:8443/list?secret=1",     // another scheme
           "not a url",
       }) {
    page_walk walk(arm_like(), std::string(first));
    ASSERT_TRUE(walk.next_page());
    ASSERT_TRUE(walk.next_page());
    auto followed = walk.follow_link(link);
    ASSERT_FALSE(followed) << link;
    EXPECT_EQ(followed.error().kind, error_kind::parse);
    const std::string& m = followed.error().message;
    EXPECT_EQ(m.rfind("role assignment list page 2: nextLink points to ", 0), 0u) << m;
    EXPECT_NE(m.find("not to the configured resource manager https://management.example:8443"), std::string::npos) << m;
    EXPECT_EQ(m.find("secret"), std::string::npos) << "a URL's path and query are never shown: " << m;
  }
}

TEST(page_walk, a_link_back_to_the_first_page_is_a_loop) {
  page_walk walk(arm_like(), std::string(first));
  ASSERT_TRUE(walk.next_page());
  auto followed = walk.follow_link(std::string(first));
  ASSERT_FALSE(followed);
  EXPECT_EQ(followed.error().kind, error_kind::parse);
  EXPECT_EQ(followed.error().message,
            "role assignment list page 1: nextLink points back to a page already read in this listing (a loop)");
}

TEST(page_walk, a_link_back_to_a_later_page_is_a_loop_and_a_new_walk_forgets_it) {
  const std::string second = std::string(first) + "&$skipToken=2";
  page_walk walk(arm_like(), std::string(first));
  ASSERT_TRUE(walk.next_page());
  ASSERT_TRUE(walk.follow_link(second));
  ASSERT_TRUE(walk.next_page());
  auto again = walk.follow_link(second);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("page 2: nextLink points back"), std::string::npos) << again.error().message;

  page_walk next_listing(arm_like(), std::string(first));
  ASSERT_TRUE(next_listing.next_page());
  EXPECT_TRUE(next_listing.follow_link(second)) << "links seen in an earlier listing do not count in this one";
}

TEST(page_walk, a_skip_token_that_repeats_is_a_loop) {
  page_walk walk(
      {"resource graph query", "resource graph query", "$skipToken", std::string(base), "resource manager", 10});
  ASSERT_TRUE(walk.next_page());
  ASSERT_TRUE(walk.follow_token("ew0KICAiJGlkIjogIjEiLA0K"));
  ASSERT_TRUE(walk.next_page());
  ASSERT_TRUE(walk.follow_token("ew0KICAiJGlkIjogIjIiLA0K"));
  ASSERT_TRUE(walk.next_page());
  auto again = walk.follow_token("ew0KICAiJGlkIjogIjEiLA0K");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, error_kind::parse);
  EXPECT_EQ(again.error().message,
            "resource graph query page 3: $skipToken repeats one already sent in this listing (a loop)");
}

}  // namespace
}  // namespace rootwatch::azure
