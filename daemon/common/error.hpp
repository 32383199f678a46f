#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch {

// What went wrong, in the operator's terms. The kind decides exit codes and metrics labels.
enum class error_kind {
  config,      // the configuration is wrong; fixing it needs a human
  auth,        // a credential was refused or could not be obtained
  permission,  // authenticated, but not allowed (403)
  network,     // resolve, connect, TLS, reset, truncated body
  timeout,     // a deadline passed
  http,        // an unexpected HTTP status
  throttled,   // 429 after the retry budget
  parse,       // an answer that does not have the expected shape
  store,       // SQLite
  io,          // local files
  cancelled,   // shutdown
  internal,    // a bug
};

std::string_view to_string(error_kind kind);

// An error as a value. `message` is built already redacted: secrets are removed where the
// error is made, never where it is printed (invariant 5).
struct error {
  error_kind kind = error_kind::internal;
  std::string message;
  bool retryable = false;
  int http_status = 0;
  std::optional<std::chrono::milliseconds> retry_after;

  static error make(error_kind kind, std::string message, bool retryable = false);
};

// Lets boost::system::result<T, error>::value() throw something readable.
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

inline error make_error(error_kind kind, std::string message, bool retryable = false) {
  return error::make(kind, std::move(message), retryable);
}

// The error with `context: ` put in front of its message.
error with_context(error e, std::string_view context);

}  // namespace rootwatch
