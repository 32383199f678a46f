#include "sinks/signing.hpp"

#include "common/encoding.hpp"
#include "common/strings.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace rootwatch::sinks {

result<signing_key> parse_signing_key(std::string_view text) {
  text = trim(text);
  constexpr std::string_view prefix = "whsec_";
  if (text.substr(0, prefix.size()) == prefix) {
    text.remove_prefix(prefix.size());
  }
  auto bytes = base64_decode(text);
  // The key itself never goes into the message.
  if (!bytes) {
    return make_error(error_kind::config, "signing secret is not \"whsec_\" followed by base64");
  }
  if (bytes->size() < 24 || bytes->size() > 64) {
    return make_error(error_kind::config, "signing secret must decode to 24 to 64 bytes");
  }
  return signing_key{std::move(*bytes)};
}

std::string sign_v1(const signing_key& key, std::string_view msg_id, std::int64_t unix_seconds, std::string_view body) {
  std::string content;
  content.reserve(msg_id.size() + body.size() + 24);
  content.append(msg_id).append(".").append(std::to_string(unix_seconds)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len);
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

result<std::vector<signing_key>> parse_signing_keys(std::string_view text) {
  constexpr std::size_t max_keys = 8;
  std::vector<signing_key> out;
  for (const auto word : words(text)) {
    auto key = parse_signing_key(word);
    if (!key) {
      return make_error(error_kind::config, key.error().message + " (key " + std::to_string(out.size() + 1) + ")");
    }
    out.push_back(std::move(*key));
    if (out.size() > max_keys) {
      return make_error(error_kind::config, "more than 8 signing keys");
    }
  }
  if (out.empty()) {
    return make_error(error_kind::config, "the signing secret is empty");
  }
  return out;
}

std::string sign_all(std::span<const signing_key> keys, std::string_view msg_id, std::int64_t unix_seconds,
                     std::string_view body) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) {
      out += ' ';
    }
    out += sign_v1(k, msg_id, unix_seconds, body);
  }
  return out;
}

}  // namespace rootwatch::sinks
