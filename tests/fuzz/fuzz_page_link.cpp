// What arm_client leans on to skip parsing a page read again (issue 9): on a page where the
// nextLink's span agrees with the parser (its one "nextLink", its URL verbatim), putting another
// plain URL in that span gives a page that the parser reads with the same rows and that URL as
// its link, and where the span is found again at the same place. So a page whose other bytes
// are those of a page parsed before holds the rows parsed then, and the link the span shows.

#include "azure/arm_parse.hpp"
#include "azure/page_link.hpp"
#include "check.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rootwatch;
  const std::string_view body = fuzz::as_text(data, size);
  const auto span = azure::find_next_link(body);
  if (!span) {
    return 0;
  }
  FUZZ_CHECK(span->begin <= span->end && span->end <= body.size(), "the span is within the body");
  const std::string_view link = body.substr(span->begin, span->end - span->begin);
  FUZZ_CHECK(link.find_first_of("\"\\ ") == std::string_view::npos, "the link is plain text");
  const auto page = azure::parse_role_assignment_page(body);
  if (!page || !azure::next_link_once(body) || !page->next_link || *page->next_link != link) {
    return 0;  // arm_client keeps no tag for such a page: it is always parsed
  }
  for (const std::string_view other : {std::string_view("https://management.azure.com/providers/"
                                                        "Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
                                                        "&$filter=atScope()&$skipToken=AS1:0637:e0;US1:-1:FF"),
                                       std::string_view("x"), link}) {
    std::string changed(body.substr(0, span->begin));
    changed.append(other);
    changed.append(body.substr(span->end));
    const auto again = azure::find_next_link(changed);
    FUZZ_CHECK(again && again->begin == span->begin && again->end == span->begin + other.size(),
               "the span is found again where the link was put");
    const auto reparsed = azure::parse_role_assignment_page(changed);
    FUZZ_CHECK(reparsed.has_value(), "the page with another link parses");
    FUZZ_CHECK(reparsed->items == page->items, "the rows are the same");
    FUZZ_CHECK(reparsed->next_link && *reparsed->next_link == other, "the link is the one put in");
  }
  return 0;
}
