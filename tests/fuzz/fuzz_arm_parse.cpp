// ARM answers (azure/arm_parse.cpp), for any body: the role assignment list page, the role
// definition and the error body.
//   parse_role_assignment_page: never throws; an accepted page has, for every item, an id, a
//   scope, a principal and a role definition GUID, and a next link only when there is one.
//   parse_role_definition_name: never throws.
//   arm_error: never throws, for every status; its message is valid UTF-8 (defect 1) and
//   does not carry a bearer token the body echoes (defect 5).

#include "azure/arm_parse.hpp"
#include "check.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

namespace {

using namespace rootwatch;

// The JWT the corpus echoes in 401 and 403 bodies; its three parts are what a scrubber sees.
constexpr std::string_view echoed_token =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0."
    "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

void check_page(std::string_view body) {
  const auto page = azure::parse_role_assignment_page(body);
  if (!page) {
    FUZZ_CHECK(is_valid_utf8(page.error().message), "a page's parse error is valid UTF-8");
    return;
  }
  for (const engine::assignment& a : page->items) {
    FUZZ_CHECK(!a.id.empty(), "an assignment has an id");
    FUZZ_CHECK(!a.scope.empty(), "an assignment has a scope");
    FUZZ_CHECK(!a.principal.id.empty(), "an assignment has a principal");
    FUZZ_CHECK(is_guid(a.role.id), "an assignment's role is a GUID");
  }
  FUZZ_CHECK(!page->next_link || !page->next_link->empty(), "a next link is never empty");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = rootwatch::fuzz::as_text(data, size);
  check_page(body);
  (void)azure::parse_role_definition_name(body);
  for (const int status : {400, 401, 403, 404, 408, 429, 500, 503}) {
    const error e = azure::arm_error(status, body, "arm role assignments");
    FUZZ_CHECK(is_valid_utf8(e.message), "arm_error's message is valid UTF-8");
    FUZZ_CHECK(e.http_status == status, "arm_error keeps the status");
    FUZZ_CHECK(e.message.find(echoed_token) == std::string::npos, "arm_error keeps no echoed bearer token");
  }
  return 0;
}
