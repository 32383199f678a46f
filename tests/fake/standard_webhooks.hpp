#pragma once

// Standard Webhooks 1.0 signatures (symmetric "v1" scheme), written from the specification
// independently of the daemon's signer, so that the fake receiver is a real second opinion.
//   signed content: msg_id + "." + timestamp + "." + raw body
//   key:            base64-decoded part of the secret after "whsec_"
//   header:         space-separated "v1,<base64 HMAC-SHA256>" entries; any one may match

#include "common/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::fake {

// The spec's tolerance: a timestamp more than this far from now (either way) is refused.
inline constexpr seconds webhook_tolerance{300};

struct webhook_verdict {
  bool valid = false;
  std::string reason;  // why not, in words; empty when valid
};

webhook_verdict verify_standard_webhook(std::string_view secret, std::string_view msg_id,
                                        std::string_view msg_timestamp, std::string_view signature_header,
                                        std::string_view body, timestamp now, seconds tolerance = webhook_tolerance);

// "v1,<base64>" for the given message; nullopt when the secret is not "whsec_<base64>".
// For tests that need a correctly signed delivery without the daemon.
std::optional<std::string> sign_standard_webhook(std::string_view secret, std::string_view msg_id,
                                                 std::string_view msg_timestamp, std::string_view body);

// The HMAC key of a "whsec_<base64>" secret; nullopt when it is not one.
std::optional<std::string> webhook_key(std::string_view secret);

}  // namespace rootwatch::fake
