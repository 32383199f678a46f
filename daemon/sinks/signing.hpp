#pragma once

// Standard Webhooks (v1, symmetric): the receiver checks
//   webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
// with key = the base64-decoded part of "whsec_<base64>".

#include "common/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rootwatch::sinks {

struct signing_key {
  std::string bytes;  // secret
};

// "whsec_<base64>", or the bare base64 as the reference libraries also accept.
result<signing_key> parse_signing_key(std::string_view text);

std::string sign_v1(const signing_key& key, std::string_view msg_id, std::int64_t unix_seconds, std::string_view body);

}  // namespace rootwatch::sinks
