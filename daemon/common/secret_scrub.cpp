#include "common/secret_scrub.hpp"

#include "common/encoding.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace rootwatch {
namespace {

// The byte that text[p] stands for and how many bytes spell it: raw, or %XX in either case.
// Returns 0 bytes past the end.
struct spelled {
  char byte = 0;
  std::size_t length = 0;
};

spelled decoded_at(std::string_view text, std::size_t p) {
  if (p >= text.size()) {
    return {};
  }
  if (text[p] == '%' && p + 2 < text.size() && hex_value(text[p + 1]) >= 0 && hex_value(text[p + 2]) >= 0) {
    return {static_cast<char>(hex_value(text[p + 1]) * 16 + hex_value(text[p + 2])), 3};
  }
  return {text[p], 1};
}

// How many bytes of `text` from `pos` spell `value`, each byte of it written raw, as %XX in
// either case, or (a space) as '+'; 0 when they do not. Decoding while matching covers every
// encoder at once: which characters one escapes and in which case differ between libraries.
std::size_t encoded_match(std::string_view text, std::size_t pos, std::string_view value) {
  std::size_t p = pos;
  for (const char want : value) {
    if (p >= text.size()) {
      return 0;
    }
    // Only a '%' of the value can be spelled two ways ("%" and "%25"); a value with one is
    // matched the slow way below.
    if (want == '%') {
      return 0;
    }
    const spelled s = decoded_at(text, p);
    if (s.byte == want || (want == ' ' && text[p] == '+')) {
      p += want == ' ' && text[p] == '+' ? 1 : s.length;
    } else {
      return 0;
    }
  }
  return p - pos;
}

// encoded_match for a value holding '%': every way of reading the text is followed (the set
// of positions stays small), and the longest match wins.
std::size_t encoded_match_with_percent(std::string_view text, std::size_t pos, std::string_view value) {
  std::vector<std::size_t> at{pos};
  std::vector<std::size_t> next;
  for (const char want : value) {
    next.clear();
    for (const std::size_t p : at) {
      if (p < text.size() && (text[p] == want || (want == ' ' && text[p] == '+'))) {
        next.push_back(p + 1);
      }
      if (const spelled s = decoded_at(text, p); s.length == 3 && s.byte == want) {
        next.push_back(p + 3);
      }
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    if (next.empty()) {
      return 0;
    }
    std::swap(at, next);
  }
  return at.back() - pos;
}

// RFC 6750 b64token: what follows "Bearer ".
bool is_b64token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool is_base64url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '_';
}

std::size_t run_of(std::string_view text, std::size_t pos, bool (*in_set)(char)) {
  std::size_t p = pos;
  while (p < text.size() && in_set(text[p])) {
    ++p;
  }
  return p - pos;
}

struct bearer_match {
  std::size_t length = 0;       // of the whole; 0 when there is none
  std::size_t token_start = 0;  // where the token begins: "Bearer " is kept
};

// "Bearer" (any case), a separator (spaces, tabs, "%20" or '+'), then the token.
bearer_match bearer_at(std::string_view text, std::size_t pos) {
  constexpr std::string_view word = "bearer";
  if (!istarts_with(text.substr(pos), word)) {
    return {};
  }
  if (pos > 0 && std::isalnum(static_cast<unsigned char>(text[pos - 1]))) {
    return {};
  }
  std::size_t p = pos + word.size();
  const std::size_t after_word = p;
  while (p < text.size()) {
    if (text[p] == ' ' || text[p] == '\t' || text[p] == '+') {
      ++p;
    } else if (text.substr(p, 3) == "%20") {
      p += 3;
    } else {
      break;
    }
  }
  const std::size_t token = run_of(text, p, is_b64token_char);
  if (p == after_word || token == 0) {
    return {};
  }
  return {p + token - pos, p};
}

// "eyJ" (base64 of '{"'), base64url, '.', base64url, '.', and any further dot-separated
// base64url parts (a JWS has three, a JWE five; an unsigned JWT's last part is empty).
std::size_t jwt_at(std::string_view text, std::size_t pos) {
  if (text.substr(pos, 3) != "eyJ") {
    return 0;
  }
  std::size_t p = pos + run_of(text, pos, is_base64url_char);
  int dots = 0;
  while (p < text.size() && text[p] == '.') {
    const std::size_t part = run_of(text, p + 1, is_base64url_char);
    if (dots == 0 && part == 0) {
      break;
    }
    ++dots;
    p += 1 + part;
  }
  return dots >= 2 ? p - pos : 0;
}

// Path segments of webhook URLs that hold tokens carry digits or are long ("T0123ABCD",
// a 24-character Slack token, a GUID); words like "services" or "IncomingWebhook" do not.
bool looks_like_token(std::string_view segment) {
  if (segment.size() >= 16) {
    return true;
  }
  return segment.size() >= secret_scrubber::min_secret_bytes &&
         std::any_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void keep_bounded(std::deque<std::string>& values, std::string_view value, std::size_t limit) {
  if (value.size() < secret_scrubber::min_secret_bytes ||
      std::find(values.begin(), values.end(), value) != values.end()) {
    return;
  }
  values.emplace_back(value);
  while (values.size() > limit) {
    values.pop_front();
  }
}

}  // namespace

void secret_scrubber::rebuild_first_bytes() {
  may_start_.fill(false);
  may_start_[static_cast<unsigned char>('%')] = true;
  may_start_[static_cast<unsigned char>('+')] = true;
  for (const auto* list : {&secrets_, &tokens_}) {
    for (const auto& v : *list) {
      may_start_[static_cast<unsigned char>(v.front())] = true;
    }
  }
}

void secret_scrubber::add_secret(std::string_view value) {
  std::unique_lock lock(mutex_);
  keep_bounded(secrets_, value, max_secrets);
  rebuild_first_bytes();
}

void secret_scrubber::add_token(std::string_view value) {
  std::unique_lock lock(mutex_);
  keep_bounded(tokens_, value, max_tokens);
  rebuild_first_bytes();
}

void secret_scrubber::add_url(std::string_view url) {
  const auto add_both = [this](std::string_view v) {
    add_secret(v);
    add_secret(percent_decode_lenient(v));
  };
  add_both(url);
  const auto scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      add_both(userinfo.substr(colon + 1));
    }
  }
  rest = rest.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  add_both(rest);
  const auto query_start = std::min(rest.find('?'), rest.size());
  for (const auto& segment : split(rest.substr(0, query_start), '/')) {
    if (looks_like_token(percent_decode_lenient(segment))) {
      add_both(segment);
    }
  }
  if (query_start < rest.size()) {
    for (const auto& pair : split(rest.substr(query_start + 1), '&')) {
      const auto eq = pair.find('=');
      if (eq != std::string::npos) {
        add_both(std::string_view(pair).substr(eq + 1));
      }
    }
  }
}

std::size_t secret_scrubber::longest_known_match(std::string_view text, std::size_t pos) const {
  if (!may_start_[static_cast<unsigned char>(text[pos])]) {
    return 0;
  }
  std::size_t longest = 0;
  for (const auto* list : {&secrets_, &tokens_}) {
    for (const auto& v : *list) {
      const bool has_percent = v.find('%') != std::string::npos;
      longest = std::max(longest, has_percent ? encoded_match_with_percent(text, pos, v) : encoded_match(text, pos, v));
    }
  }
  return longest;
}

std::string secret_scrubber::scrub(std::string_view text) const {
  std::string known_removed;
  {
    std::shared_lock lock(mutex_);
    known_removed.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
      if (const auto n = longest_known_match(text, i); n > 0) {
        known_removed += redacted_marker;
        i += n;
      } else {
        known_removed += text[i];
        ++i;
      }
    }
  }
  // Then what is a token by its shape, known or not.
  const std::string_view t = known_removed;
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size();) {
    if (const auto b = bearer_at(t, i); b.length > 0) {
      out.append(t.substr(i, b.token_start - i)).append(redacted_marker);
      i += b.length;
    } else if (const auto m = jwt_at(t, i); m > 0) {
      out += redacted_marker;
      i += m;
    } else {
      out += t[i];
      ++i;
    }
  }
  return out;
}

secret_scrubber& process_scrubber() {
  static secret_scrubber instance;
  return instance;
}

}  // namespace rootwatch
