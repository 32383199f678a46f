#include "common/error.hpp"

#include "common/secret_scrub.hpp"

#include <stdexcept>

namespace rootwatch {

std::string_view to_string(error_kind kind) {
  switch (kind) {
    case error_kind::config:
      return "config";
    case error_kind::auth:
      return "auth";
    case error_kind::permission:
      return "permission";
    case error_kind::network:
      return "network";
    case error_kind::timeout:
      return "timeout";
    case error_kind::http:
      return "http";
    case error_kind::throttled:
      return "throttled";
    case error_kind::parse:
      return "parse";
    case error_kind::store:
      return "store";
    case error_kind::io:
      return "io";
    case error_kind::cancelled:
      return "cancelled";
    case error_kind::internal:
      return "internal";
  }
  return "internal";
}

error error::make(error_kind kind, std::string message, bool retryable) {
  error e;
  e.kind = kind;
  // Every message may quote an answer from outside, which may echo a secret: remove it here,
  // once, so that no printer, store or sink has to remember to (invariant 5).
  e.message = scrub_secrets(message);
  e.retryable = retryable;
  return e;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(e.kind)) + ": " + e.message);
}

error with_context(error e, std::string_view context) {
  e.message = scrub_secrets(std::string(context) + ": " + e.message);
  return e;
}

}  // namespace rootwatch
