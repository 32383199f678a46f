#include "config/reader.hpp"

#include "common/echo.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"
#include "config/checks.hpp"
#include "config/limits.hpp"

#include <algorithm>
#include <tuple>

namespace rootwatch::config::detail {
namespace {

std::string_view describe(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

constexpr std::string_view duration_forms =
    "write a number and a unit (ms, s, m, h or d), or a sum of them: \"500ms\", \"30s\", \"5m\", \"6h\", \"1h30m\"";

// Problem texts are built from values of the file; these keep a hostile file from making one
// the size of the file. Ours are far shorter.
constexpr std::size_t max_key_text = 160;
constexpr std::size_t max_message_text = 600;

// Keys whose values are, or may be pasted where there should be, a secret: their values are
// never repeated in a message, whatever the check.
bool may_hold_secret(std::string_view name) {
  const std::string lower = to_lower(name);
  for (const std::string_view word : {"secret", "token", "key", "password", "url", "credential"}) {
    if (lower.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// " 'value'" or "" as echo_value() decides, and always "" for a key that may hold a secret.
std::string shown(std::string_view name, std::string_view value) {
  return may_hold_secret(name) ? std::string{} : echo_value(value);
}

std::string minimum_message(milliseconds minimum) {
  if (minimum == milliseconds{1}) {
    return "must be more than 0s";
  }
  return "must be at least " + format_duration(minimum);
}

}  // namespace

void diagnostics::add(const toml::source_region& where, std::string key, std::string message) {
  problems_.push_back(problem{
      .file = file_,
      .line = static_cast<int>(where.begin.line),
      .column = static_cast<int>(where.begin.column),
      .key = escape_control(cut_utf8(key, max_key_text)),
      .message = escape_control(cut_utf8(message, max_message_text)),
  });
}

void diagnostics::add_whole_file(std::string key, std::string message) {
  problems_.push_back(problem{.file = file_,
                              .line = 0,
                              .column = 0,
                              .key = escape_control(cut_utf8(key, max_key_text)),
                              .message = escape_control(cut_utf8(message, max_message_text))});
}

std::vector<problem> diagnostics::sorted() const {
  std::vector<problem> out = problems_;
  std::stable_sort(out.begin(), out.end(), [](const problem& a, const problem& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return out;
}

table_reader::table_reader(const toml::table& table, std::string key, std::string title, diagnostics& diags)
    : table_(table), key_(std::move(key)), title_(std::move(title)), diags_(diags) {}

std::string table_reader::key_of(std::string_view name) const {
  return key_.empty() ? std::string(name) : key_ + "." + std::string(name);
}

int table_reader::line_of(std::string_view name) const {
  const toml::node* node = table_.get(name);
  return static_cast<int>((node != nullptr ? node->source() : table_.source()).begin.line);
}

bool table_reader::has(std::string_view name) const {
  return table_.contains(name);
}

const toml::node* table_reader::take(std::string_view name, need n) {
  if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
    known_.emplace_back(name);
  }
  const toml::node* node = table_.get(name);
  if (node == nullptr && n == need::required) {
    fail(name, "missing required key '" + std::string(name) + "' in " + title_);
  }
  return node;
}

std::optional<std::string> table_reader::string(std::string_view name, need n) {
  const toml::node* node = take(name, n);
  if (node == nullptr) {
    return std::nullopt;
  }
  if (const auto* value = node->as_string()) {
    return value->get();
  }
  wrong_type(name, *node, "a string");
  return std::nullopt;
}

std::optional<std::string> table_reader::non_empty_string(std::string_view name, need n) {
  auto value = string(name, n);
  if (value && value->empty()) {
    fail(name, "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> table_reader::checked_string(std::string_view name, value_check check, need n) {
  auto value = string(name, n);
  if (!value) {
    return std::nullopt;
  }
  if (auto problem = check(*value)) {
    fail(name, std::move(*problem));
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> table_reader::guid(std::string_view name, need n) {
  const auto value = string(name, n);
  if (!value) {
    return std::nullopt;
  }
  if (!is_guid(*value)) {
    // Not quoted: a client secret pasted into client_id is the likely mistake here.
    fail(name, "is not a GUID: expected the form 00000000-0000-0000-0000-000000000000");
    return std::nullopt;
  }
  return to_lower(*value);
}

std::optional<milliseconds> table_reader::duration(std::string_view name, milliseconds minimum, milliseconds maximum) {
  const toml::node* node = take(name);
  if (node == nullptr) {
    return std::nullopt;
  }
  const auto* text = node->as_string();
  if (text == nullptr) {
    std::string message = "expected a duration string, found " + std::string(describe(node->type()));
    if (const auto* number = node->as_integer()) {
      message += "; write \"" + std::to_string(number->get()) + "s\" for seconds";
    }
    fail(name, std::move(message));
    return std::nullopt;
  }
  const auto value = parse_duration(text->get());
  if (!value) {
    const std::string quoted = shown(name, text->get());
    fail(name, "invalid duration" + (quoted.empty() ? "" : " " + quoted) + ": " + std::string(duration_forms));
    return std::nullopt;
  }
  if (*value < minimum) {
    fail(name, minimum_message(minimum) + ", not " + format_duration(*value));
    return std::nullopt;
  }
  if (*value > maximum) {
    fail(name, "must be at most " + format_duration(maximum) + ", not " + format_duration(*value));
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> table_reader::integer(std::string_view name, std::int64_t minimum, std::int64_t maximum) {
  const toml::node* node = take(name);
  if (node == nullptr) {
    return std::nullopt;
  }
  const auto* number = node->as_integer();
  if (number == nullptr) {
    wrong_type(name, *node, "an integer");
    return std::nullopt;
  }
  if (number->get() < minimum || number->get() > maximum) {
    fail(name, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) + ", not " +
                   std::to_string(number->get()));
    return std::nullopt;
  }
  return number->get();
}

std::optional<std::vector<string_element>> table_reader::string_array(std::string_view name, need n) {
  const toml::node* node = take(name, n);
  if (node == nullptr) {
    return std::nullopt;
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    wrong_type(name, *node, "an array of strings");
    return std::nullopt;
  }
  std::vector<string_element> out;
  bool all_strings = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string element_key = key_of(name) + "[" + std::to_string(i) + "]";
    if (const auto* text = element.as_string()) {
      out.push_back(string_element{.value = text->get(), .key = std::move(element_key), .node = &element});
    } else {
      fail_at(element, std::move(element_key), "expected a string, found " + std::string(describe(element.type())));
      all_strings = false;
    }
  }
  if (!all_strings) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> table_reader::one_of(std::string_view name, std::span<const std::string_view> allowed,
                                                need n) {
  auto value = string(name, n);
  if (!value) {
    return std::nullopt;
  }
  if (std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
    fail(name, not_one_of(may_hold_secret(name) ? std::string_view{} : std::string_view{*value}, allowed));
    return std::nullopt;
  }
  return value;
}

std::optional<table_reader> table_reader::child(std::string_view name, std::string title, need n) {
  const toml::node* node = take(name);
  if (node == nullptr) {
    if (n == need::required) {
      fail(name, "missing required table " + title + " in " + title_);
    }
    return std::nullopt;
  }
  const auto* table = node->as_table();
  if (table == nullptr) {
    wrong_type(name, *node, "a table");
    return std::nullopt;
  }
  return table_reader(*table, key_of(name), std::move(title), diags_);
}

std::optional<std::vector<table_reader>> table_reader::children(std::string_view name, std::string title,
                                                                std::string_view shape) {
  const toml::node* node = take(name);
  if (node == nullptr) {
    return std::vector<table_reader>{};
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    fail(name, "expected " + std::string(shape) + ", found " + std::string(describe(node->type())));
    return std::nullopt;
  }
  std::vector<table_reader> out;
  bool all_tables = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string element_key = key_of(name) + "[" + std::to_string(i) + "]";
    if (const auto* table = element.as_table()) {
      out.emplace_back(*table, std::move(element_key), title, diags_);
    } else {
      fail_at(element, std::move(element_key), "expected a table, found " + std::string(describe(element.type())));
      all_tables = false;
    }
  }
  if (!all_tables) {
    return std::nullopt;
  }
  return out;
}

void table_reader::fail(std::string_view name, std::string message) {
  const toml::node* node = table_.get(name);
  diags_.add(node != nullptr ? node->source() : table_.source(), key_of(name), std::move(message));
}

void table_reader::fail_at(const toml::node& node, std::string key, std::string message) {
  diags_.add(node.source(), std::move(key), std::move(message));
}

void table_reader::fail_table(std::string message) {
  diags_.add(table_.source(), key_, std::move(message));
}

void table_reader::fail_whole_file(std::string_view name, std::string message) {
  diags_.add_whole_file(key_of(name), std::move(message));
}

void table_reader::reject_unknown_keys() {
  const std::vector<std::string_view> candidates(known_.begin(), known_.end());
  for (auto&& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) {
      continue;
    }
    const std::string quoted = echo_value(name);
    std::string message = "unknown " + std::string(title_.empty() ? "top-level key" : "key") +
                          (quoted.empty() ? "" : " " + quoted) + (title_.empty() ? "" : " in " + title_);
    if (const auto guess = closest_match(name, candidates)) {
      message += "; did you mean '" + std::string(*guess) + "'?";
    }
    diags_.add(key.source(), key_of(name), std::move(message));
  }
}

void table_reader::wrong_type(std::string_view name, const toml::node& node, std::string_view expected) {
  fail(name, "expected " + std::string(expected) + ", found " + std::string(describe(node.type())));
}

void unique_names::check(table_reader& reader, std::string_view key, const std::string& name) {
  if (name.empty()) {
    return;
  }
  std::string where = reader.key() + " at line " + std::to_string(reader.line_of(key));
  const auto [it, inserted] = first_.emplace(name, std::move(where));
  if (!inserted) {
    const std::string quoted = echo_value(name);
    reader.fail(key, what_ + " name " + (quoted.empty() ? "" : quoted + " ") + "is already used by " + it->second);
  }
}

namespace {

// One path string, grown and cut back, and one map: linear in the size of the table. The
// depth bound keeps it so even for a table that check_tree_shape() has not seen.
void collect_lines(const toml::table& table, std::string& path, std::size_t depth, std::map<std::string, int>& out) {
  for (auto&& [key, node] : table) {
    const std::size_t size = path.size();
    path += key.str();
    out.emplace(path, static_cast<int>(key.source().begin.line));
    if (const auto* sub = node.as_table(); sub != nullptr && depth < max_nesting) {
      path += '.';
      collect_lines(*sub, path, depth + 1, out);
    }
    path.resize(size);
  }
}

}  // namespace

std::map<std::string, int> key_lines(const toml::table& table) {
  std::map<std::string, int> lines;
  std::string path;
  collect_lines(table, path, 0, lines);
  lines[""] = static_cast<int>(table.source().begin.line);
  return lines;
}

}  // namespace rootwatch::config::detail
