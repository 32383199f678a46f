#pragma once

// A JSON Schema (draft 2020-12) validator for tests only, covering the subset that
// docs/alert.schema.json uses: type (a name or a list, "null" included), required, properties,
// items, enum, const, pattern (ECMAScript, searched like the spec says: unanchored), format
// "date-time" (RFC 3339), minLength, $ref to "#/$defs/...", oneOf and anyOf. A keyword outside
// that subset makes the schema itself invalid, so that the schema cannot quietly promise a check
// that nothing makes.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::test {

class json_schema {
 public:
  // The schema, or why it cannot be used (unknown keyword, bad pattern, dangling $ref).
  static std::optional<json_schema> load(const nlohmann::json& schema, std::string* problem);
  static std::optional<json_schema> load_file(const std::string& path, std::string* problem);

  // Every violation, each as "<JSON pointer>: <what>"; empty when `instance` is valid.
  std::vector<std::string> validate(const nlohmann::json& instance) const;

 private:
  explicit json_schema(nlohmann::json schema) : schema_(std::move(schema)) {}
  nlohmann::json schema_;
};

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), with real month lengths.
bool is_rfc3339_date_time(std::string_view text);

}  // namespace rootwatch::test
