// The fakes decode what real clients put on the wire with their own decoders (Boost.URL,
// OpenSSL EVP), not the product's: written-out wire forms, not ones made by our encoder.

#include "fake/wire_codec.hpp"
#include "fake/azure_wire.hpp"

#include <gtest/gtest.h>

namespace rootwatch::fake {
namespace {

TEST(wire_codec, form_bodies_decode_plus_as_space_and_percent_escapes) {
  const auto form = parse_form("grant_type=client_credentials&client_secret=a%2Bb+c%26d%3D%25&scope=x%2F.default");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->at("grant_type"), "client_credentials");
  EXPECT_EQ(form->at("client_secret"), "a+b c&d=%");
  EXPECT_EQ(form->at("scope"), "x/.default");
}

TEST(wire_codec, lower_case_escapes_and_utf8_decode_too) {
  const auto form = parse_form("name=j%c3%b6rg&k%65y=v");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->at("name"), "j\xC3\xB6rg");
  EXPECT_EQ(form->at("key"), "v");
}

TEST(wire_codec, a_broken_escape_spoils_the_form) {
  EXPECT_FALSE(parse_form("client_secret=abc%2"));
  EXPECT_FALSE(parse_form("client_secret=abc%zz"));
}

TEST(wire_codec, query_values_keep_their_raw_form_and_decode_per_parameter) {
  const auto t =
      parse_target("/providers/x?api-version=2022-04-01&%24filter=atScope%28%29&$skipToken=fake;2:0a&bad=%g1");
  EXPECT_EQ(t.path, "/providers/x");
  ASSERT_NE(t.find("$filter"), nullptr);
  EXPECT_EQ(t.find("$filter")->value, "atScope()");
  ASSERT_NE(t.find("$skiptoken"), nullptr);
  EXPECT_EQ(t.find("$skiptoken")->raw_value, "fake;2:0a");
  ASSERT_NE(t.find("bad"), nullptr);
  EXPECT_FALSE(t.find("bad")->value.has_value());
  EXPECT_EQ(t.find("api-version")->value, "2022-04-01");
}

TEST(wire_codec, paths_decode_percent_but_keep_plus) {
  EXPECT_EQ(parse_target("/a%20b+c/%2Fd").path, "/a b+c//d");
  EXPECT_EQ(parse_target("/broken%zz").path, "/broken%zz");
}

TEST(wire_codec, base64_padding_variants) {
  EXPECT_EQ(from_base64("YQ=="), "a");
  EXPECT_EQ(from_base64("YQ"), "a");
  EXPECT_EQ(from_base64("YWI="), "ab");
  EXPECT_EQ(from_base64("YWI"), "ab");
  EXPECT_EQ(from_base64("YWJj"), "abc");
  EXPECT_EQ(from_base64(""), "");
  EXPECT_EQ(from_base64("+/+/"), std::string("\xFB\xFF\xBF", 3));
  EXPECT_FALSE(from_base64("Y"));
  EXPECT_FALSE(from_base64("YW=j"));
  EXPECT_FALSE(from_base64("-_-_"));  // the URL-safe alphabet is not what Basic or whsec_ use
  EXPECT_FALSE(from_base64("YW Jj"));
}

TEST(wire_codec, base64_encodes_as_rfc_4648_says) {
  EXPECT_EQ(to_base64(""), "");
  EXPECT_EQ(to_base64("f"), "Zg==");
  EXPECT_EQ(to_base64("fo"), "Zm8=");
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(to_base64url(std::string("\xFB\xFF\xBF", 3)), "-_-_");
  EXPECT_EQ(to_base64url("f"), "Zg");
}

TEST(wire_codec, form_encoding_of_echoed_values) {
  EXPECT_EQ(form_encode_value("a b+c&d=~"), "a+b%2Bc%26d%3D~");
}

}  // namespace
}  // namespace rootwatch::fake
