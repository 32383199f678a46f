#include "fake/standard_webhooks.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <charconv>

namespace rootwatch::fake {
namespace {

constexpr std::string_view secret_prefix = "whsec_";

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t out_len = 0;
  const unsigned char* result =
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), out.size(), &out_len);
  if (result == nullptr) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(out.data()), out_len);
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::string signed_content(std::string_view msg_id, std::string_view msg_timestamp, std::string_view body) {
  std::string content;
  content.reserve(msg_id.size() + msg_timestamp.size() + body.size() + 2);
  content.append(msg_id).append(".").append(msg_timestamp).append(".").append(body);
  return content;
}

struct header_match {
  bool saw_v1 = false;
  bool matched = false;
};

// Whether one "v1,<base64>" entry of the header carries exactly `expected`.
header_match match_v1(std::string_view signature_header, const std::string& expected) {
  header_match out;
  for (const auto& entry : split(signature_header, ' ')) {
    if (!entry.starts_with("v1,")) {
      continue;  // empty pieces from double spaces, and other schemes such as v1a
    }
    out.saw_v1 = true;
    const auto given = from_base64(std::string_view(entry).substr(3));
    // CRYPTO_memcmp: the comparison time must not tell an attacker how many bytes were right.
    if (given && given->size() == expected.size() &&
        CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0) {
      out.matched = true;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> webhook_key(std::string_view secret) {
  if (!secret.starts_with(secret_prefix)) {
    return std::nullopt;
  }
  auto key = from_base64(secret.substr(secret_prefix.size()));
  if (!key || key->empty()) {
    return std::nullopt;
  }
  return key;
}

std::optional<std::string> sign_standard_webhook(std::string_view secret, std::string_view msg_id,
                                                 std::string_view msg_timestamp, std::string_view body) {
  const auto key = webhook_key(secret);
  if (!key) {
    return std::nullopt;
  }
  const auto mac = hmac_sha256(*key, signed_content(msg_id, msg_timestamp, body));
  if (!mac) {
    return std::nullopt;
  }
  return "v1," + to_base64(*mac);
}

webhook_verdict verify_standard_webhook(std::string_view secret, std::string_view msg_id,
                                        std::string_view msg_timestamp, std::string_view signature_header,
                                        std::string_view body, timestamp now, seconds tolerance) {
  const auto key = webhook_key(secret);
  if (!key) {
    return {false, "the receiver's secret is not whsec_<base64>"};
  }
  if (msg_id.empty()) {
    return {false, "webhook-id is missing"};
  }
  const auto sent_at = parse_unix_seconds(msg_timestamp);
  if (!sent_at) {
    return {false, "webhook-timestamp is not whole Unix seconds"};
  }
  const auto age = to_unix_seconds(now) - *sent_at;
  if (age > tolerance.count() || -age > tolerance.count()) {
    return {false, "webhook-timestamp is more than " + std::to_string(tolerance.count()) + " s from now"};
  }
  const auto expected = hmac_sha256(*key, signed_content(msg_id, msg_timestamp, body));
  if (!expected) {
    return {false, "HMAC-SHA256 is unavailable"};
  }
  const auto match = match_v1(signature_header, *expected);
  if (match.matched) {
    return {true, ""};
  }
  return {false, match.saw_v1 ? "no v1 signature matches the body" : "webhook-signature has no v1 entry"};
}

}  // namespace rootwatch::fake
