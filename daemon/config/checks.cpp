#include "config/checks.hpp"

#include "common/echo.hpp"
#include "common/https_url.hpp"
#include "common/listen_address.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace rootwatch::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "warning" for "warn", "crit" for "critical": a truncation or an extension is a typo too,
// however many letters it adds, as long as the common part is not trivially short.
bool is_prefix_pair(std::string_view a, std::string_view b) {
  const auto& shorter = a.size() < b.size() ? a : b;
  const auto& longer = a.size() < b.size() ? b : a;
  return shorter.size() >= 3 && longer.substr(0, shorter.size()) == shorter;
}

}  // namespace

std::optional<std::string_view> closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  // Nothing this long is a typo of a key or a choice, and the distance costs length squared.
  if (word.size() > 64) {
    return std::nullopt;
  }
  const std::string lower_word = to_lower(word);
  const std::size_t limit = lower_word.size() <= 4 ? 1 : 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (const auto candidate : candidates) {
    const std::string lower_candidate = to_lower(candidate);
    std::size_t distance = edit_distance(lower_word, lower_candidate);
    if (distance > limit && is_prefix_pair(lower_word, lower_candidate)) {
      distance = limit;
    }
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string not_one_of(std::string_view value, std::span<const std::string_view> allowed) {
  const std::string shown = echo_value(value);
  std::string out = (shown.empty() ? std::string("not") : shown + " is not") + " one of ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    out += i == 0 ? "" : ", ";
    out += allowed[i];
  }
  if (const auto guess = closest_match(value, allowed)) {
    out += "; did you mean '" + std::string(*guess) + "'?";
  }
  return out;
}

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) {
    return "must not be empty";
  }
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  };
  if (!std::all_of(name.begin(), name.end(), allowed)) {
    return "may use only letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

std::optional<std::string> listen_problem(std::string_view listen) {
  if (listen.empty()) {
    return std::nullopt;
  }
  if (auto address = parse_listen(listen); !address) {
    return std::move(address.error().message);
  }
  return std::nullopt;
}

std::optional<std::string> https_url_problem(std::string_view url, bool base) {
  auto parsed = parse_https_url(url);
  if (!parsed) {
    return std::move(parsed.error().message);
  }
  if (base && (parsed->has_query || parsed->has_fragment)) {
    return "a base URL cannot have a query string or a fragment";
  }
  return std::nullopt;
}

std::optional<std::string> env_name_problem(std::string_view name) {
  const auto head_ok = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  const auto tail_ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  if (name.empty() || !head_ok(name.front()) || !std::all_of(name.begin() + 1, name.end(), tail_ok)) {
    return "must be the name of an environment variable (letters, digits and '_'), not its value";
  }
  return std::nullopt;
}

std::string strip_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') {
    url.remove_suffix(1);
  }
  return std::string(url);
}

}  // namespace rootwatch::config
