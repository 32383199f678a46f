// Resource Graph answers and quota headers (azure/resource_graph_parse.cpp), for any bytes.
//   parse_resource_graph_page: never throws; an accepted page has, for every row, an id, a
//   scope, a principal and a role definition GUID in lower case; a skip token only when there
//   is one; an error message that is valid UTF-8.
//   parse_quota_remaining, parse_quota_resets_after: never throw; a wait is never negative.

#include "azure/resource_graph_parse.hpp"
#include "check.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

namespace {

using namespace rootwatch;

void check_page(std::string_view body) {
  const auto page = azure::parse_resource_graph_page(body);
  if (!page) {
    FUZZ_CHECK(is_valid_utf8(page.error().message), "a page's parse error is valid UTF-8");
    FUZZ_CHECK(page.error().kind == error_kind::parse, "a bad page is a parse error");
    return;
  }
  for (const engine::assignment& a : page->items) {
    FUZZ_CHECK(!a.id.empty(), "a row has an id");
    FUZZ_CHECK(!a.scope.empty(), "a row has a scope");
    FUZZ_CHECK(!a.principal.id.empty(), "a row has a principal");
    FUZZ_CHECK(is_guid(a.role.id) && a.role.id == to_lower(a.role.id), "a row's role is a lower-case GUID");
  }
  FUZZ_CHECK(!page->skip_token || !page->skip_token->empty(), "a skip token is never empty");
  FUZZ_CHECK(!page->total_records || *page->total_records >= 0, "totalRecords is never negative");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_page(text);
  (void)azure::parse_quota_remaining(text);
  const auto wait = azure::parse_quota_resets_after(text);
  FUZZ_CHECK(!wait || wait->count() >= 0, "a quota wait is never negative");
  return 0;
}
