// Graph directory audit pages and error bodies (azure/entra_audit_parse.cpp), for any bytes.
//   parse_entra_audit_page: never throws; an accepted page has, for every event, the source
//   "entra_audit", an id, a known operation and text that is valid UTF-8; a nextLink only when
//   there is one; an error message that is valid UTF-8 and of kind parse.
//   graph_error: never throws; its message is valid UTF-8.

#include "azure/entra_audit_parse.hpp"
#include "check.hpp"
#include "common/text.hpp"

namespace {

using namespace rootwatch;

bool valid(const std::optional<std::string>& text) {
  return !text || is_valid_utf8(*text);
}

void check_page(std::string_view body) {
  const auto page = azure::parse_entra_audit_page(body);
  if (!page) {
    FUZZ_CHECK(is_valid_utf8(page.error().message), "a page's parse error is valid UTF-8");
    FUZZ_CHECK(page.error().kind == error_kind::parse, "a bad page is a parse error");
    return;
  }
  for (const engine::audit_event& e : page->events) {
    FUZZ_CHECK(e.source == "entra_audit", "an event names its source");
    FUZZ_CHECK(!e.event_id.empty() && is_valid_utf8(e.event_id), "an event has an id in valid UTF-8");
    FUZZ_CHECK(e.operation == "elevate_access" || e.operation == "role_assignment_delete", "a known operation");
    FUZZ_CHECK(is_valid_utf8(e.status), "the status is valid UTF-8");
    FUZZ_CHECK(valid(e.actor.id) && valid(e.actor.upn) && valid(e.actor.app_id) && valid(e.actor.ip),
               "the actor is valid UTF-8");
    FUZZ_CHECK(valid(e.correlation_id) && valid(e.principal_id), "ids are valid UTF-8");
  }
  FUZZ_CHECK(!page->next_link || !page->next_link->empty(), "a nextLink is never empty");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_page(text);
  const auto e = azure::graph_error(429, text, "graph directory audits");
  FUZZ_CHECK(is_valid_utf8(e.message), "a Graph error message is valid UTF-8");
  return 0;
}
