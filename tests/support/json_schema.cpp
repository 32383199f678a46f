#include "support/json_schema.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace rootwatch::test {
namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> known_keywords{
    "$schema", "$id",   "$defs",   "title",  "description", "type", "required", "properties", "items",
    "enum",    "const", "pattern", "format", "minLength",   "$ref", "oneOf",    "anyOf"};

const std::set<std::string, std::less<>> known_types{"null",   "boolean", "object", "array",
                                                     "number", "string",  "integer"};

bool has_type(const json& v, std::string_view type) {
  if (type == "null") {
    return v.is_null();
  }
  if (type == "boolean") {
    return v.is_boolean();
  }
  if (type == "object") {
    return v.is_object();
  }
  if (type == "array") {
    return v.is_array();
  }
  if (type == "number") {
    return v.is_number();
  }
  if (type == "integer") {
    return v.is_number_integer();
  }
  return v.is_string();
}

// Code points, not bytes: minLength counts characters (RFC 8259 strings are UTF-8 here).
std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
      ++n;
    }
  }
  return n;
}

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

class checker {
 public:
  explicit checker(const json& root) : root_(root) {}

  // Problems with the schema itself; empty when it only uses the subset, correctly.
  void check_schema(const json& s, const std::string& where, std::vector<std::string>& out) const {
    if (!s.is_object()) {
      out.push_back(where + ": a schema must be an object");
      return;
    }
    for (const auto& [key, value] : s.items()) {
      if (!known_keywords.contains(key)) {
        out.push_back(where + ": keyword \"" + key + "\" is not supported by this validator");
      }
    }
    if (const auto t = s.find("type"); t != s.end()) {
      const json names = t->is_array() ? *t : json::array({*t});
      for (const auto& n : names) {
        if (!n.is_string() || !known_types.contains(n.get<std::string>())) {
          out.push_back(where + "/type: unknown type " + n.dump());
        }
      }
    }
    if (const auto p = s.find("pattern"); p != s.end()) {
      try {
        std::regex compiled(p->get<std::string>(), std::regex::ECMAScript);
      } catch (const std::exception& e) {
        out.push_back(where + "/pattern: " + e.what());
      }
    }
    if (const auto f = s.find("format"); f != s.end() && *f != "date-time") {
      out.push_back(where + "/format: only date-time is supported");
    }
    if (const auto r = s.find("$ref"); r != s.end() && resolve(r->get<std::string>()) == nullptr) {
      out.push_back(where + "/$ref: cannot resolve " + r->dump());
    }
    for (const char* key : {"$defs", "properties"}) {
      if (const auto m = s.find(key); m != s.end()) {
        for (const auto& [name, sub] : m->items()) {
          check_schema(sub, where + "/" + key + "/" + escape_pointer_token(name), out);
        }
      }
    }
    if (const auto i = s.find("items"); i != s.end()) {
      check_schema(*i, where + "/items", out);
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      if (const auto list = s.find(key); list != s.end()) {
        for (std::size_t n = 0; n < list->size(); ++n) {
          check_schema((*list)[n], where + "/" + key + "/" + std::to_string(n), out);
        }
      }
    }
  }

  void validate(const json& s, const json& v, const std::string& at, std::vector<std::string>& out) const {
    if (const auto r = s.find("$ref"); r != s.end()) {
      validate(*resolve(r->get<std::string>()), v, at, out);
    }
    if (const auto t = s.find("type"); t != s.end()) {
      const json names = t->is_array() ? *t : json::array({*t});
      bool any = false;
      for (const auto& n : names) {
        any = any || has_type(v, n.get<std::string>());
      }
      if (!any) {
        out.push_back(at + ": is " + std::string(v.type_name()) + ", expected type " + t->dump());
        return;  // the other keywords would only repeat it
      }
    }
    if (const auto c = s.find("const"); c != s.end() && v != *c) {
      out.push_back(at + ": is " + v.dump() + ", expected " + c->dump());
    }
    if (const auto e = s.find("enum"); e != s.end() && std::find(e->begin(), e->end(), v) == e->end()) {
      out.push_back(at + ": " + v.dump() + " is not one of " + e->dump());
    }
    if (v.is_string()) {
      validate_string(s, v.get<std::string>(), at, out);
    }
    if (v.is_object()) {
      validate_object(s, v, at, out);
    }
    if (const auto i = s.find("items"); i != s.end() && v.is_array()) {
      for (std::size_t n = 0; n < v.size(); ++n) {
        validate(*i, v[n], at + "/" + std::to_string(n), out);
      }
    }
    validate_combinations(s, v, at, out);
  }

 private:
  const json* resolve(const std::string& ref) const {
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0) {
      return nullptr;
    }
    const auto defs = root_.find("$defs");
    if (defs == root_.end()) {
      return nullptr;
    }
    const auto target = defs->find(ref.substr(prefix.size()));
    return target == defs->end() ? nullptr : &*target;
  }

  static void validate_string(const json& s, const std::string& text, const std::string& at,
                              std::vector<std::string>& out) {
    if (const auto m = s.find("minLength"); m != s.end() && code_points(text) < m->get<std::size_t>()) {
      out.push_back(at + ": shorter than " + m->dump() + " characters");
    }
    if (const auto p = s.find("pattern"); p != s.end()) {
      const std::regex re(p->get<std::string>(), std::regex::ECMAScript);
      if (!std::regex_search(text, re)) {
        out.push_back(at + ": \"" + text + "\" does not match " + p->dump());
      }
    }
    if (const auto f = s.find("format"); f != s.end() && *f == "date-time" && !is_rfc3339_date_time(text)) {
      out.push_back(at + ": \"" + text + "\" is not an RFC 3339 date-time");
    }
  }

  void validate_object(const json& s, const json& v, const std::string& at, std::vector<std::string>& out) const {
    if (const auto r = s.find("required"); r != s.end()) {
      for (const auto& key : *r) {
        if (!v.contains(key.get<std::string>())) {
          out.push_back(at + ": required key \"" + key.get<std::string>() + "\" is missing");
        }
      }
    }
    if (const auto p = s.find("properties"); p != s.end()) {
      for (const auto& [key, sub] : p->items()) {
        if (const auto member = v.find(key); member != v.end()) {
          validate(sub, *member, at + "/" + escape_pointer_token(key), out);
        }
      }
    }
  }

  void validate_combinations(const json& s, const json& v, const std::string& at, std::vector<std::string>& out) const {
    if (const auto any = s.find("anyOf"); any != s.end()) {
      std::vector<std::string> why;
      bool matched = false;
      for (const auto& sub : *any) {
        std::vector<std::string> problems;
        validate(sub, v, at, problems);
        matched = matched || problems.empty();
        why.insert(why.end(), problems.begin(), problems.end());
      }
      if (!matched) {
        out.push_back(at + ": matches none of anyOf (" + join(why) + ")");
      }
    }
    if (const auto one = s.find("oneOf"); one != s.end()) {
      std::vector<std::string> why;
      std::size_t matched = 0;
      for (std::size_t n = 0; n < one->size(); ++n) {
        std::vector<std::string> problems;
        validate((*one)[n], v, at, problems);
        if (problems.empty()) {
          ++matched;
        } else {
          why.push_back("#" + std::to_string(n) + ": " + join(problems));
        }
      }
      if (matched != 1) {
        out.push_back(at + ": matches " + std::to_string(matched) + " of oneOf, expected exactly 1" +
                      (matched == 0 ? " (" + join(why) + ")" : std::string()));
      }
    }
  }

  static std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
      out += out.empty() ? "" : "; ";
      out += p;
    }
    return out;
  }

  const json& root_;
};

bool digits(std::string_view text, std::size_t from, std::size_t n) {
  if (from + n > text.size()) {
    return false;
  }
  for (std::size_t i = from; i < from + n; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

int number(std::string_view text, std::size_t from, std::size_t n) {
  int value = 0;
  for (std::size_t i = from; i < from + n; ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

int days_in_month(int year, int month) {
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

bool valid_offset(std::string_view rest) {
  if (rest == "Z" || rest == "z") {
    return true;
  }
  return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && digits(rest, 1, 2) && rest[3] == ':' &&
         digits(rest, 4, 2) && number(rest, 1, 2) <= 23 && number(rest, 4, 2) <= 59;
}

}  // namespace

bool is_rfc3339_date_time(std::string_view text) {
  // 2025-02-11T10:00:00[.f+](Z|±hh:mm)
  if (!digits(text, 0, 4) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2) || text[7] != '-' ||
      !digits(text, 8, 2) || (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2) || text[13] != ':' ||
      !digits(text, 14, 2) || text[16] != ':' || !digits(text, 17, 2)) {
    return false;
  }
  const int year = number(text, 0, 4);
  const int month = number(text, 5, 2);
  const int day = number(text, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || number(text, 11, 2) > 23 ||
      number(text, 14, 2) > 59 || number(text, 17, 2) > 60) {
    return false;
  }
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  return valid_offset(text.substr(i));
}

std::optional<json_schema> json_schema::load(const nlohmann::json& schema, std::string* problem) {
  std::vector<std::string> problems;
  checker(schema).check_schema(schema, "#", problems);
  if (!problems.empty()) {
    if (problem != nullptr) {
      *problem = problems.front();
    }
    return std::nullopt;
  }
  return json_schema(schema);
}

std::optional<json_schema> json_schema::load_file(const std::string& path, std::string* problem) {
  std::ifstream in(path);
  if (!in) {
    if (problem != nullptr) {
      *problem = "cannot read " + path;
    }
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  const json parsed = json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded()) {
    if (problem != nullptr) {
      *problem = path + " is not JSON";
    }
    return std::nullopt;
  }
  return load(parsed, problem);
}

std::vector<std::string> json_schema::validate(const nlohmann::json& instance) const {
  std::vector<std::string> out;
  checker(schema_).validate(schema_, instance, "", out);
  return out;
}

}  // namespace rootwatch::test
