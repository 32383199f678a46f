#pragma once

// Typed reads of an Azure answer, shared by the parsers: a member is used only when it has the
// documented type, and an error names the answer and the member's path ("malformed Graph
// directory audit page: value[3].initiatedBy.user is not an object"), never quotes the body.
// Pure and free of exceptions: text from outside cannot throw here (invariant 10).

#include "common/error.hpp"
#include "common/json.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::azure {

// "malformed <what>: <detail>", kind parse.
error malformed_answer(std::string_view what, std::string_view detail);

// The body as a JSON object; "the body is not JSON" or "the body is not a JSON object" else.
result<json> parse_answer(std::string_view body, std::string_view what);

// The members of one object of an answer, with the path that errors name.
struct json_fields {
  const json& object;
  std::string path;       // "value[3].initiatedBy"; "" for the answer's top level
  std::string_view what;  // the answer in errors: "Graph directory audit page"

  // "value[3].initiatedBy.user", or "value" at the top level.
  std::string name(std::string_view member) const;
  error malformed(std::string_view detail) const;

  // The fields of the object `member` names: `value` must be that member's object.
  json_fields at(const json& value, std::string_view member) const;

  // Absent or null: nullopt; a string: its text; anything else: an error.
  result<std::optional<std::string>> optional_string(std::string_view member) const;
  // A string that is present and not empty.
  result<std::string> required_string(std::string_view member) const;
  // A link to the next page (nextLink, @odata.nextLink, $skipToken): absent, null or empty is
  // the last page; a link of another type is an error.
  result<std::optional<std::string>> optional_link(std::string_view member) const;
  // An object or array member that may be absent or null (initiatedBy.app for a user, §9.5).
  result<const json*> optional_object(std::string_view member) const;
  result<const json*> optional_array(std::string_view member) const;
};

}  // namespace rootwatch::azure
