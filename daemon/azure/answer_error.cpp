#include "azure/answer_error.hpp"

#include "common/secret_scrub.hpp"
#include "common/text.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {

error answer_error(int status, std::string_view what, std::string_view code, std::string_view message) {
  // Scrub before cutting, so that no half of a secret survives; cut on a code-point boundary,
  // so that a name such as "jörg@…" cut in its middle cannot make the text invalid UTF-8.
  // make_error scrubs the whole text again.
  const std::string shown_code = cut_utf8(scrub_secrets(code), 100);
  const std::string shown_message = cut_utf8(scrub_secrets(message), 300);
  std::string text = fmt::format("{} answered {}", what, status);
  if (!shown_code.empty()) {
    text += " " + shown_code;
  }
  if (!shown_message.empty()) {
    text += ": " + shown_message;
  }
  error_kind kind = error_kind::http;
  bool retryable = false;
  if (status == 401) {
    kind = error_kind::auth;
  } else if (status == 403) {
    kind = error_kind::permission;
  } else if (status == 429) {
    kind = error_kind::throttled;
    retryable = true;
  } else if (status == 408 || status >= 500) {
    retryable = true;
  }
  auto e = make_error(kind, std::move(text), retryable);
  e.http_status = status;
  return e;
}

}  // namespace rootwatch::azure
