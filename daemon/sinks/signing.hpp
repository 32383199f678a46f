#pragma once

// Standard Webhooks (v1, symmetric): the receiver checks
//   webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
// with key = the base64-decoded part of "whsec_<base64>".

#include "common/error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::sinks {

struct signing_key {
  std::string bytes;  // secret
};

// "whsec_<base64>", or the bare base64 as the reference libraries also accept.
result<signing_key> parse_signing_key(std::string_view text);

std::string sign_v1(const signing_key& key, std::string_view msg_id, std::int64_t unix_seconds, std::string_view body);

// Key rotation: a secret file or variable may hold several keys separated by white space (one
// per line, say). Every key signs: the header carries their "v1," signatures space-separated,
// so that a receiver holding any one of them verifies while keys change. At most 8.
result<std::vector<signing_key>> parse_signing_keys(std::string_view text);
std::string sign_all(std::span<const signing_key> keys, std::string_view msg_id, std::int64_t unix_seconds,
                     std::string_view body);

}  // namespace rootwatch::sinks
