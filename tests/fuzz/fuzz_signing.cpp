// The Standard Webhooks signature input (sinks/signing.cpp) and the encodings under it
// (common/encoding.cpp), for any key text, message id, time and body.
//   parse_signing_key: any text in, a key of 24..64 bytes or an error out; the message says
//   which rule the text broke and nothing about the text itself. A key it accepts parses again from "whsec_" + its
//   base64. sign_v1: "v1," + the base64 of a 32-byte HMAC-SHA256, the same for the same input, and different when one
//   byte of the signed content differs. base64 and form encoding: what is encoded decodes back to the same bytes.

#include "check.hpp"
#include "common/encoding.hpp"
#include "sinks/signing.hpp"

#include <fuzzer/FuzzedDataProvider.h>

namespace {

using namespace rootwatch;

void check_encodings(std::string_view bytes) {
  const auto b64 = base64_decode(base64_encode(bytes));
  FUZZ_CHECK(b64 && *b64 == bytes, "base64_encode then base64_decode gives the same bytes");
  const auto b64url = base64_decode(base64url_encode(bytes));
  FUZZ_CHECK(b64url && *b64url == bytes, "base64url_encode then base64_decode gives the same bytes");
  const auto form = form_decode(form_encode(bytes));
  FUZZ_CHECK(form && *form == bytes, "form_encode then form_decode gives the same bytes");
  FUZZ_CHECK(hex_encode(bytes).size() == 2 * bytes.size(), "hex_encode writes two digits per byte");
  (void)percent_decode_lenient(bytes);
  (void)base64_decode(bytes);
  (void)form_decode(bytes);
}

void check_signature(const sinks::signing_key& key, const std::string& id, std::int64_t when, const std::string& body) {
  const std::string signature = sinks::sign_v1(key, id, when, body);
  FUZZ_CHECK(signature.rfind("v1,", 0) == 0, "a signature starts with v1,");
  const auto mac = base64_decode(std::string_view(signature).substr(3));
  FUZZ_CHECK(mac && mac->size() == 32, "a signature is the base64 of 32 bytes");
  FUZZ_CHECK(sinks::sign_v1(key, id, when, body) == signature, "signing is deterministic");
  FUZZ_CHECK(sinks::sign_v1(key, id, when, body + "x") != signature, "a changed body changes the signature");
  FUZZ_CHECK(sinks::sign_v1(key, id + "x", when, body) != signature, "a changed id changes the signature");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string key_text = in.ConsumeRandomLengthString(128);
  const std::string id = in.ConsumeRandomLengthString(64);
  const auto when = in.ConsumeIntegral<std::int64_t>();
  const std::string body = in.ConsumeRemainingBytesAsString();

  check_encodings(key_text);
  check_encodings(body);

  const auto key = sinks::parse_signing_key(key_text);
  if (!key) {
    static const std::string not_base64 = sinks::parse_signing_key("!").error().message;
    static const std::string wrong_size = sinks::parse_signing_key("whsec_c2hvcnQ=").error().message;
    FUZZ_CHECK(key.error().message == not_base64 || key.error().message == wrong_size,
               "a refused signing key is not echoed");
    // A fixed key still signs the fuzzed message id, time and body.
    check_signature(sinks::signing_key{std::string(32, 'k')}, id, when, body);
    return 0;
  }
  FUZZ_CHECK(key->bytes.size() >= 24 && key->bytes.size() <= 64, "an accepted key has 24 to 64 bytes");
  const auto again = sinks::parse_signing_key("whsec_" + base64_encode(key->bytes));
  FUZZ_CHECK(again && again->bytes == key->bytes, "an accepted key parses again from whsec_ and its base64");
  check_signature(*key, id, when, body);
  return 0;
}
