#include "config/limits.hpp"

#include <string>

namespace rootwatch::config::detail {
namespace {

// Enough to show what is wrong; a file with more is not one an operator fixes line by line.
constexpr int max_shape_problems = 20;

enum class lexer_state { code, comment, basic, literal, multiline_basic, multiline_literal };

class dot_counter {
 public:
  explicit dot_counter(std::string_view text) : text_(text) {}

  // The first line (1-based) with more than max_dots_per_line dots outside strings and
  // comments, or 0.
  std::size_t first_deep_line() {
    std::size_t line = 1;
    std::size_t dots = 0;
    for (i_ = 0; i_ < text_.size(); ++i_) {
      const char c = text_[i_];
      if (c == '\n') {
        ++line;
        dots = 0;
        end_line();
        continue;
      }
      if (state_ == lexer_state::code && c == '.' && ++dots > max_dots_per_line) {
        return line;
      }
      step(c);
    }
    return 0;
  }

 private:
  bool opens(std::string_view quote) const { return text_.substr(i_, quote.size()) == quote; }

  // A one-line string or comment ends with its line; a multi-line string does not.
  void end_line() {
    if (state_ != lexer_state::multiline_basic && state_ != lexer_state::multiline_literal) {
      state_ = lexer_state::code;
    }
  }

  void enter(lexer_state multiline, lexer_state single, std::string_view triple) {
    if (opens(triple)) {
      state_ = multiline;
      i_ += 2;
    } else {
      state_ = single;
    }
  }

  void step(char c) {
    switch (state_) {
      case lexer_state::code:
        if (c == '#') {
          state_ = lexer_state::comment;
        } else if (c == '"') {
          enter(lexer_state::multiline_basic, lexer_state::basic, "\"\"\"");
        } else if (c == '\'') {
          enter(lexer_state::multiline_literal, lexer_state::literal, "'''");
        }
        return;
      case lexer_state::comment:
        return;
      case lexer_state::basic:
      case lexer_state::multiline_basic:
        if (c == '\\' && i_ + 1 < text_.size() && text_[i_ + 1] != '\n') {
          ++i_;  // an escaped quote or backslash does not end the string
        } else if (state_ == lexer_state::basic ? c == '"' : opens("\"\"\"")) {
          i_ += state_ == lexer_state::basic ? 0 : 2;
          state_ = lexer_state::code;
        }
        return;
      case lexer_state::literal:
      case lexer_state::multiline_literal:
        if (state_ == lexer_state::literal ? c == '\'' : opens("'''")) {
          i_ += state_ == lexer_state::literal ? 0 : 2;
          state_ = lexer_state::code;
        }
        return;
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
  lexer_state state_ = lexer_state::code;
};

class tree_walk {
 public:
  explicit tree_walk(diagnostics& diags) : diags_(diags) {}

  void table(const toml::table& t, std::size_t depth) {
    for (auto&& [key, node] : t) {
      const std::size_t size = path_.size();
      path_ += path_.empty() ? "" : ".";
      if (key.str().size() > max_key_bytes) {
        path_ += key.str().substr(0, 16);
        report(key.source(), "a key longer than " + std::to_string(max_key_bytes) + " bytes is refused");
        path_ += "…";
      } else {
        path_ += key.str();
      }
      value(node, depth);
      path_.resize(size);
    }
  }

  bool clean() const { return problems_ == 0; }

 private:
  void array(const toml::array& a, std::size_t depth) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::size_t size = path_.size();
      path_ += "[" + std::to_string(i) + "]";
      value(*a.get(i), depth);
      path_.resize(size);
    }
  }

  void value(const toml::node& node, std::size_t depth) {
    if (problems_ >= max_shape_problems) {
      return;
    }
    if (const auto* text = node.as_string()) {
      if (text->get().size() > max_string_bytes) {
        report(node.source(), "a string longer than " + std::to_string(max_string_bytes) + " bytes is refused");
      }
      return;
    }
    if (!node.is_table() && !node.is_array()) {
      return;
    }
    if (depth + 1 > max_nesting) {
      report(node.source(), "tables and arrays nest at most " + std::to_string(max_nesting) + " levels deep");
      return;
    }
    if (const auto* sub = node.as_table()) {
      table(*sub, depth + 1);
    } else {
      array(*node.as_array(), depth + 1);
    }
  }

  void report(const toml::source_region& where, std::string message) {
    ++problems_;
    diags_.add(where, path_, std::move(message));
  }

  diagnostics& diags_;
  std::string path_;
  int problems_ = 0;
};

}  // namespace

bool check_text_shape(std::string_view text, diagnostics& diags) {
  const std::size_t line = dot_counter(text).first_deep_line();
  if (line == 0) {
    return true;
  }
  toml::source_region where;
  where.begin = {static_cast<toml::source_index>(line), 1};
  where.end = where.begin;
  diags.add(where, "",
            "more than " + std::to_string(max_dots_per_line) +
                " '.' outside strings on one line: a dotted key with that many parts is refused (tables nest at "
                "most " +
                std::to_string(max_nesting) + " levels deep)");
  return false;
}

bool check_tree_shape(const toml::table& root, diagnostics& diags) {
  tree_walk walk(diags);
  walk.table(root, 0);
  return walk.clean();
}

}  // namespace rootwatch::config::detail
