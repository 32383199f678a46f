#pragma once

// SHA-256 (FIPS 180-4) for deterministic ids. The engine must not pull in OpenSSL, so this
// small implementation lives here; it is not meant for secrets or bulk data.

#include <string>
#include <string_view>

namespace rootwatch {

// The 32 raw bytes of the digest.
std::string sha256(std::string_view bytes);

// The digest as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace rootwatch
