// Tenant Activity Log answers (azure/activity_log_parse.cpp), for any body.
//   parse_activity_log_page: never throws; an accepted page has, for every event, an id, a
//   known operation and valid UTF-8 in every text it kept, within the cut limits; GUID fields
//   are canonical GUIDs; a next link only when there is one.
//   activity_log_error: never throws, for every status; its message is valid UTF-8.

#include "azure/activity_log_parse.hpp"
#include "check.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

namespace {

using namespace rootwatch;

// The longest text the parser keeps (1000 bytes), plus the cut marker.
constexpr std::size_t longest_text = 1000 + 3;

void check_text(const std::optional<std::string>& s, const char* what) {
  if (s) {
    FUZZ_CHECK(is_valid_utf8(*s), what);
    FUZZ_CHECK(s->size() <= longest_text, what);
  }
}

void check_guid(const std::optional<std::string>& s, const char* what) {
  if (s) {
    FUZZ_CHECK(is_guid(*s) && *s == normalize_guid(*s), what);
  }
}

void check_page(std::string_view body) {
  const auto page = azure::parse_activity_log_page(body);
  if (!page) {
    FUZZ_CHECK(is_valid_utf8(page.error().message), "a page's parse error is valid UTF-8");
    return;
  }
  for (const engine::audit_event& e : page->events) {
    FUZZ_CHECK(e.source == "activity_log", "the source is named");
    FUZZ_CHECK(!e.event_id.empty(), "an event has an id");
    FUZZ_CHECK(e.operation == "elevate_access" || e.operation == "role_assignment_write" ||
                   e.operation == "role_assignment_delete",
               "only events of interest are kept");
    check_text(e.event_id, "the event id is bounded valid UTF-8");
    check_text(e.status, "the status is bounded valid UTF-8");
    check_text(e.correlation_id, "the correlation id is bounded valid UTF-8");
    check_text(e.actor.upn, "the UPN is bounded valid UTF-8");
    check_text(e.actor.ip, "the IP is bounded valid UTF-8");
    check_text(e.scope, "the scope is bounded valid UTF-8");
    check_text(e.assignment_id, "the assignment id is bounded valid UTF-8");
    check_guid(e.actor.id, "the actor id is a canonical GUID");
    check_guid(e.actor.app_id, "the app id is a canonical GUID");
    check_guid(e.role_id, "the role id is a canonical GUID");
    check_guid(e.principal_id, "the principal id is a canonical GUID");
  }
  FUZZ_CHECK(!page->next_link || !page->next_link->empty(), "a next link is never empty");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = rootwatch::fuzz::as_text(data, size);
  check_page(body);
  for (const int status : {400, 401, 403, 404, 429, 500, 503}) {
    const error e = azure::activity_log_error(status, body, "activity log");
    FUZZ_CHECK(is_valid_utf8(e.message), "activity_log_error's message is valid UTF-8");
    FUZZ_CHECK(e.http_status == status, "activity_log_error keeps the status");
  }
  return 0;
}
