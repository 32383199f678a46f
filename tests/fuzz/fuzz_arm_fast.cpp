// The ARM list page's fast path (azure/page_parse_fast.cpp) against the nlohmann DOM parser it
// stands in for, on the same bytes:
//   fast_role_assignment_page: never throws; when it returns a page, the DOM parser accepts
//   the body too and gives an equal page (every item's fields, in order, and the next link).
//   parse_role_assignment_page: the DOM parser's answer exactly, page or error message.

#include "azure/arm_parse.hpp"
#include "azure/page_parse_fast.hpp"
#include "check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rootwatch;
  const std::string_view body = fuzz::as_text(data, size);
  const auto dom = azure::parse_role_assignment_page_dom(body);
  const auto fast = azure::fast_role_assignment_page(body);
  if (fast) {
    FUZZ_CHECK(dom.has_value(), "the fast path accepts only what the DOM parser accepts");
    FUZZ_CHECK(fast->items == dom->items, "the fast path's items are the DOM parser's");
    FUZZ_CHECK(fast->next_link == dom->next_link, "the fast path's next link is the DOM parser's");
  }
  const auto page = azure::parse_role_assignment_page(body);
  FUZZ_CHECK(page.has_value() == dom.has_value(), "the public parser accepts what the DOM parser accepts");
  if (page) {
    FUZZ_CHECK(page->items == dom->items && page->next_link == dom->next_link, "the public parser's page is the DOM's");
  } else {
    FUZZ_CHECK(page.error().message == dom.error().message, "the public parser's error is the DOM parser's");
  }
  return 0;
}
