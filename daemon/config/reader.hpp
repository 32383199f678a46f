#pragma once

// The loader's view of a parsed TOML document: typed getters that report every problem they
// find, located and keyed, instead of stopping at the first. Internal to config/.

#include "common/time.hpp"
#include "config/names.hpp"
#include "config/settings.hpp"

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::config::detail {

// Every problem of one load. Shared by all readers of the document, so that an operator sees
// the whole list at once.
class diagnostics {
 public:
  explicit diagnostics(std::string file) : file_(std::move(file)) {}

  void add(const toml::source_region& where, std::string key, std::string message);
  void add_whole_file(std::string key, std::string message);
  bool empty() const { return problems_.empty(); }
  // In file order, problems about the file as a whole first.
  std::vector<problem> sorted() const;

 private:
  std::string file_;
  std::vector<problem> problems_;
};

enum class need { optional, required };

struct string_element {
  std::string value;
  std::string key;  // "tenant[0].sources[1]"
  const toml::node* node = nullptr;
};

// One table of the document. Every key the loader asks for, present or not, becomes known;
// reject_unknown_keys() then reports the rest, with a suggestion among the known ones.
class table_reader {
 public:
  // `key` is the table's dotted path ("" at the top level, "tenant[0].credential"); `title`
  // names it for an operator ("[tenant.credential]"; "" at the top level).
  table_reader(const toml::table& table, std::string key, std::string title, diagnostics& diags);

  std::string key_of(std::string_view name) const;
  const toml::table& table() const { return table_; }
  const std::string& key() const { return key_; }
  int line_of(std::string_view name) const;  // of the value, or of the table when absent
  bool has(std::string_view name) const;
  const toml::node* take(std::string_view name, need n = need::optional);

  std::optional<std::string> string(std::string_view name, need n = need::optional);
  std::optional<std::string> non_empty_string(std::string_view name, need n = need::optional);
  // A string that must also pass `check` (one of config/checks.hpp), whose answer becomes the
  // problem's message.
  using value_check = std::optional<std::string> (*)(std::string_view);
  std::optional<std::string> checked_string(std::string_view name, value_check check, need n = need::optional);
  std::optional<std::string> guid(std::string_view name, need n = need::optional);
  // `minimum` of 1ms reads as "more than 0s"; 0 means any duration. The maximum keeps time
  // arithmetic (now + duration) far from overflow and catches a unit typo ("200000d").
  std::optional<milliseconds> duration(std::string_view name, milliseconds minimum,
                                       milliseconds maximum = milliseconds{366LL * 24 * 3600 * 1000});
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t minimum, std::int64_t maximum);
  std::optional<std::vector<string_element>> string_array(std::string_view name, need n = need::optional);
  std::optional<std::string> one_of(std::string_view name, std::span<const std::string_view> allowed,
                                    need n = need::optional);

  template <class E, std::size_t N>
  std::optional<E> choice(std::string_view name, const std::array<named<E>, N>& options, need n = need::optional) {
    const auto names = names_of(options);
    const auto text = one_of(name, names, n);
    return text ? lookup(options, *text) : std::nullopt;
  }

  // A sub-table such as [tenant.credential]; nullopt when absent (reported if required) or
  // not a table (reported).
  std::optional<table_reader> child(std::string_view name, std::string title, need n = need::optional);
  // An array of tables such as [[tenant]] or allow = [{...}]; nullopt when it is something
  // else (reported), empty when absent. `shape` tells the operator what was expected.
  std::optional<std::vector<table_reader>> children(std::string_view name, std::string title, std::string_view shape);

  void fail(std::string_view name, std::string message);  // at the value, or the table when absent
  void fail_at(const toml::node& node, std::string key, std::string message);
  void fail_table(std::string message);
  void fail_whole_file(std::string_view name, std::string message);
  void reject_unknown_keys();

 private:
  void wrong_type(std::string_view name, const toml::node& node, std::string_view expected);

  const toml::table& table_;
  std::string key_;
  std::string title_;
  diagnostics& diags_;
  std::vector<std::string> known_;
};

// Names that must be unique across tables of one kind ("tenant", "rule", "sink"). A repeat
// is reported where it is, pointing at the first use.
class unique_names {
 public:
  explicit unique_names(std::string what) : what_(std::move(what)) {}
  void check(table_reader& reader, std::string_view key, const std::string& name);

 private:
  std::string what_;
  std::map<std::string, std::string> first_;  // name -> "tenant[0] at line 5"
};

// The line of every key in `table` and its sub-tables, dotted and relative to it, and of the
// table itself under "": the runtime cites file:line with these long after the TOML is gone.
std::map<std::string, int> key_lines(const toml::table& table);

}  // namespace rootwatch::config::detail
