// The Resource Graph page's fast path (azure/page_parse_fast.cpp) against the nlohmann DOM
// parser it stands in for, on the same bytes:
//   fast_resource_graph_page: never throws; when it returns a page, the DOM parser accepts the
//   body too and gives an equal page (rows, $skipToken, resultTruncated, totalRecords).
//   parse_resource_graph_page: the DOM parser's answer exactly, page or error message.

#include "azure/page_parse_fast.hpp"
#include "azure/resource_graph_parse.hpp"
#include "check.hpp"

namespace {

bool same(const rootwatch::azure::resource_graph_page& a, const rootwatch::azure::resource_graph_page& b) {
  return a.items == b.items && a.skip_token == b.skip_token && a.truncated == b.truncated &&
         a.total_records == b.total_records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rootwatch;
  const std::string_view body = fuzz::as_text(data, size);
  const auto dom = azure::parse_resource_graph_page_dom(body);
  const auto fast = azure::fast_resource_graph_page(body);
  if (fast) {
    FUZZ_CHECK(dom.has_value(), "the fast path accepts only what the DOM parser accepts");
    FUZZ_CHECK(same(*fast, *dom), "the fast path's page is the DOM parser's");
  }
  const auto page = azure::parse_resource_graph_page(body);
  FUZZ_CHECK(page.has_value() == dom.has_value(), "the public parser accepts what the DOM parser accepts");
  if (page) {
    FUZZ_CHECK(same(*page, *dom), "the public parser's page is the DOM parser's");
  } else {
    FUZZ_CHECK(page.error().message == dom.error().message, "the public parser's error is the DOM parser's");
  }
  return 0;
}
