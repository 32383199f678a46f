#include "common/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace rootwatch {
namespace {

std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  return bytes;
}

// RFC 4648, section 10.
const std::pair<const char*, const char*> rfc4648_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(base64, rfc4648_encode) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    EXPECT_EQ(base64_encode(plain), encoded) << plain;
  }
}

TEST(base64, rfc4648_decode_with_and_without_padding) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
    std::string bare = encoded;
    while (!bare.empty() && bare.back() == '=') {
      bare.pop_back();
    }
    EXPECT_EQ(base64_decode(bare), plain) << bare;
  }
}

TEST(base64, url_safe_alphabet_without_padding) {
  const std::string bytes = "\xfb\xff\xfe";
  EXPECT_EQ(base64_encode(bytes), "+//+");
  EXPECT_EQ(base64url_encode(bytes), "-__-");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64_decode("-__-"), bytes);
  EXPECT_EQ(base64_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
}

TEST(base64, every_byte_round_trips_in_both_alphabets) {
  const std::string bytes = all_bytes();
  for (std::size_t n = 0; n <= bytes.size(); n += 7) {
    const std::string part = bytes.substr(n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
    EXPECT_EQ(base64_decode(base64url_encode(part)), part);
  }
}

TEST(base64, rejects_invalid_text) {
  for (const char* text : {"Z", "Zm9vY", "Zm9v!", "Zm 9v", "Zm9v\n", "Z=m9", "Zg==Zg==", "====Zg", "\xff\xfe"}) {
    EXPECT_FALSE(base64_decode(text)) << text;
  }
}

TEST(hex, lower_case_two_digits_per_byte) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\x10\xab\xff", 5)), "000f10abff");
  EXPECT_EQ(hex_encode(all_bytes()).size(), 512u);
}

TEST(form_encode, keeps_unreserved_and_escapes_the_rest) {
  EXPECT_EQ(form_encode(""), "");
  EXPECT_EQ(form_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(form_encode("a b"), "a%20b");
  EXPECT_EQ(form_encode("a+b&c=d/e?f#g%h"), "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25h");
  EXPECT_EQ(form_encode("https://management.azure.com/.default"), "https%3A%2F%2Fmanagement.azure.com%2F.default");
  EXPECT_EQ(form_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(form_encode(std::string("\x00", 1)), "%00");
}

TEST(form_decode, plus_is_space_and_percent_escapes_in_any_case) {
  EXPECT_EQ(form_decode("a+b%20c"), "a b c");
  EXPECT_EQ(form_decode("%3d%3D"), "==");
  EXPECT_EQ(form_decode("%C3%A9"), "\xc3\xa9");
  EXPECT_EQ(form_decode("%00"), std::string("\x00", 1));
  EXPECT_EQ(form_decode("plain"), "plain");
  EXPECT_EQ(form_decode(""), "");
}

TEST(form_decode, rejects_broken_escapes) {
  for (const char* text : {"%", "%4", "a%", "a%4", "%zz", "%4g", "%%41", "%-1"}) {
    EXPECT_FALSE(form_decode(text)) << text;
  }
}

TEST(form_encode, round_trips_every_byte) {
  const std::string bytes = all_bytes();
  EXPECT_EQ(form_decode(form_encode(bytes)), bytes);
}

}  // namespace
}  // namespace rootwatch
