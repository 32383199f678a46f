// Graph directoryObjects/getByIds answers (azure/directory_objects_parse.cpp), for any bytes.
//   parse_directory_objects: never throws; an accepted answer has, for every object, a
//   lower-case hyphenated GUID id, a type from the known set ("User", "Group",
//   "ServicePrincipal") or empty, a UPN only for a user, and names that are non-empty, valid
//   UTF-8 and cut to max_display_name_bytes (plus the "…" marker); a refused answer is an
//   error of kind parse with a message in valid UTF-8.
//   directory_objects_url and directory_objects_body: never throw, whatever the base or ids
//   (the ids go out as given, so the body must stay JSON even for invalid UTF-8).

#include "azure/directory_objects_parse.hpp"
#include "check.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace rootwatch;

// "…" is three bytes in UTF-8; cut_utf8 appends it after the kept prefix.
constexpr std::size_t cut_marker_bytes = 3;

bool lower_guid(std::string_view id) {
  return is_guid(id) && normalize_guid(id) == id;
}

bool valid_name(const std::optional<std::string>& name) {
  return !name ||
         (!name->empty() && is_valid_utf8(*name) && name->size() <= azure::max_display_name_bytes + cut_marker_bytes);
}

void check_answer(std::string_view body) {
  const auto page = azure::parse_directory_objects(body);
  if (!page) {
    FUZZ_CHECK(page.error().kind == error_kind::parse, "a bad answer is a parse error");
    FUZZ_CHECK(is_valid_utf8(page.error().message), "a parse error's message is valid UTF-8");
    return;
  }
  for (const azure::directory_object& o : page->objects) {
    FUZZ_CHECK(lower_guid(o.id), "an object's id is a lower-case GUID");
    FUZZ_CHECK(o.type.empty() || o.type == "User" || o.type == "Group" || o.type == "ServicePrincipal",
               "a type from the known set, or none");
    FUZZ_CHECK(valid_name(o.display_name), "a display name is non-empty, valid UTF-8 and cut");
    FUZZ_CHECK(valid_name(o.user_principal_name), "a UPN is non-empty, valid UTF-8 and cut");
    FUZZ_CHECK(!o.user_principal_name || o.type == "User", "a UPN is a user's only");
  }
}

// The request side, with the fuzzed bytes as the Graph base and as ids split on commas.
void check_request(std::string_view text) {
  const std::string url = azure::directory_objects_url(text);
  FUZZ_CHECK(url.ends_with("/v1.0/directoryObjects/getByIds"), "the URL ends with the getByIds path");
  std::vector<std::string> ids = split(text, ',');
  const json body = json::parse(azure::directory_objects_body(ids), nullptr, false);
  FUZZ_CHECK(body.is_object(), "the body is a JSON object");
  const json* sent = find_member(body, "ids");
  FUZZ_CHECK(sent != nullptr && sent->is_array() && sent->size() == ids.size(), "every id is sent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_answer(text);
  check_request(text);
  return 0;
}
