#pragma once

// Secrets this process knows (client secrets, access tokens, webhook URLs and their tokens,
// signing keys) removed from text, so that a server or proxy that echoes one back cannot get
// it into a log line, an error message, /healthz, an alert or the database (invariant 5).
//
// Known values are found raw, percent-encoded (either hex case, whatever an encoder chose to
// escape) and form-encoded ('+' for a space). Independently of what is known, "Bearer <token>"
// (any case) and anything shaped like a JWT (eyJ….….…) are removed too: a token this process
// never saw, such as one a proxy added, is still a token.

#include <array>
#include <cstddef>
#include <deque>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace rootwatch {

inline constexpr std::string_view redacted_marker = "[redacted]";

// Thread-safe: the daemon has one I/O thread, but the store's pool and the tests' fake servers
// build errors on other threads.
class secret_scrubber {
 public:
  // Shorter values would redact ordinary words and numbers; no real secret is that short.
  static constexpr std::size_t min_secret_bytes = 8;
  // Tokens are replaced every hour or so; the oldest are forgotten, the way they expire.
  static constexpr std::size_t max_tokens = 256;
  // Long-lived secrets are few, but re-reading a rotated secret file adds one each time.
  static constexpr std::size_t max_secrets = 1024;

  // A long-lived secret: client secret, webhook URL or one of its tokens, signing key.
  void add_secret(std::string_view value);
  // An access token received from a token endpoint.
  void add_token(std::string_view value);
  // A webhook URL: the whole URL, its path and query, a password in it, every query value and
  // every path segment that looks like a token (Slack, Teams, Discord, Logic Apps "sig=").
  void add_url(std::string_view url);

  // `text` with every known secret, bearer token and JWT replaced by "[redacted]".
  std::string scrub(std::string_view text) const;

 private:
  std::size_t longest_known_match(std::string_view text, std::size_t pos) const;
  void rebuild_first_bytes();

  mutable std::shared_mutex mutex_;
  std::deque<std::string> secrets_;
  std::deque<std::string> tokens_;
  // Bytes a match can start with: a first byte of a known value, '%' or '+'.
  std::array<bool, 256> may_start_{};
};

// The scrubber of this process: error::make and the log formatters use it.
secret_scrubber& process_scrubber();

inline void register_secret(std::string_view value) {
  process_scrubber().add_secret(value);
}
inline void register_token(std::string_view value) {
  process_scrubber().add_token(value);
}
inline void register_url_secrets(std::string_view url) {
  process_scrubber().add_url(url);
}
inline std::string scrub_secrets(std::string_view text) {
  return process_scrubber().scrub(text);
}

}  // namespace rootwatch
