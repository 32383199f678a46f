#pragma once

// The fakes' own decoders for what arrives on the wire: base64 (OpenSSL EVP), form and
// percent encoding (Boost.URL). Deliberately not the product's common/encoding: a fake that
// decodes with the code under test cannot catch a bug both sides share (issue 5, defect 11).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::fake {

// Standard alphabet, padded (EVP_EncodeBlock).
std::string to_base64(std::string_view bytes);
// URL-safe alphabet, unpadded: the fake's opaque token values.
std::string to_base64url(std::string_view bytes);
// Standard alphabet, with or without the trailing '=' padding (EVP_DecodeBlock); nullopt for
// anything else, including the URL-safe alphabet, which no peer of the fakes may send.
std::optional<std::string> from_base64(std::string_view text);

// One key=value of a query or of an application/x-www-form-urlencoded body.
struct wire_param {
  std::string key;                   // decoded ('+' as space), or as sent when it does not decode
  std::string raw_value;             // as sent
  std::optional<std::string> value;  // decoded ('+' as space); nullopt when the escapes are broken
};

// Splits "a=1&b=x+y" into its parameters (empty pieces skipped), each decoded by Boost.URL.
std::vector<wire_param> split_params(std::string_view query);

// Path percent-decoding ('+' stays '+'); a path with a broken escape is returned as sent.
std::string decode_path(std::string_view path);

// Form encoding of one value (unreserved kept, space as '+'): the fake's echo faults.
std::string form_encode_value(std::string_view value);

}  // namespace rootwatch::fake
