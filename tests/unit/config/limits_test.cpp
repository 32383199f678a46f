// Hostile configuration files: they must be refused quickly, with a located error that
// repeats neither their size nor any value that may be a secret (issue 5, defect 8).

#include "config/load.hpp"
#include "config/reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;
using testing::Not;

constexpr std::string_view good_tenant = R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
)";

std::string dotted_key(std::size_t parts) {
  std::string key = "x";
  key.reserve(parts * 2);
  for (std::size_t i = 1; i < parts; ++i) {
    key += ".x";
  }
  return key;
}

std::vector<problem> problems_of(const std::string& text) {
  const auto result = load_string(text, "bad.toml");
  EXPECT_FALSE(result.value) << "the configuration loaded although it is wrong";
  EXPECT_FALSE(result.problems.empty());
  return result.problems;
}

std::string all_messages(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

// 10,000 parts took `validate` 301 s and 354 MB, and 4,000 froze a reload for 17 s; from some
// tens of thousands the TOML parser itself runs out of stack. No timing assertion: the test
// binary's ctest timeout is the bound.
TEST(ConfigLimits, AKeyOfTenThousandPartsIsRefusedAtItsLine) {
  for (const std::size_t parts : {4'000u, 10'000u, 200'000u}) {
    SCOPED_TRACE(parts);
    const auto problems = problems_of(std::string(good_tenant) + dotted_key(parts) + " = 1\n");
    ASSERT_EQ(problems.size(), 1u) << all_messages(problems);
    EXPECT_EQ(problems[0].line, 8);
    EXPECT_THAT(problems[0].message, HasSubstr("dotted key"));
    EXPECT_LT(problems[0].to_string().size(), 300u);
  }
}

TEST(ConfigLimits, DotsInStringsAndCommentsAreNotKeyParts) {
  const std::string dots(200, '.');
  const std::string text = std::string(good_tenant) + "# " + dots + "\n" + "[[rule]]\nname = \"" + dots + "\" # " +
                           dots + "\nscopes = ['/" + dots + "']\nroles = [\"\"\"*\"\"\"]\n" +
                           "severity = '''info'''\n" + "allow = [{ principal_id = \"33333333-3333-3333-3333-" +
                           "333333333333\", reason = \"\"\"\n" + dots + "\n\\\"\"\" " + dots + "\n\"\"\" }]\n";
  const auto result = load_string(text, "good.toml");
  EXPECT_TRUE(result.value) << all_messages(result.problems);
}

TEST(ConfigLimits, NestingDeeperThanEightLevelsIsRefusedWithItsKey) {
  const auto problems = problems_of(std::string(good_tenant) + "[tenant.endpoints.a.b.c.d.e.f.g]\nh = 1\n");
  ASSERT_EQ(problems.size(), 1u) << all_messages(problems);
  EXPECT_EQ(problems[0].line, 8);
  EXPECT_EQ(problems[0].key, "tenant[0].endpoints.a.b.c.d.e.f");
  EXPECT_THAT(problems[0].message, HasSubstr("nest at most 8 levels"));

  // Forty parts pass the dot count of a line and are caught by the tree's depth.
  const auto deep = problems_of(std::string(good_tenant) + dotted_key(40) + " = 1\n");
  ASSERT_EQ(deep.size(), 1u) << all_messages(deep);
  EXPECT_EQ(deep[0].line, 8);
  EXPECT_THAT(deep[0].message, HasSubstr("nest at most 8 levels"));
}

TEST(ConfigLimits, KeyLinesIsBoundedOnADeepTable) {
  toml::table root;
  toml::table* at = &root;
  for (int i = 0; i < 10'000; ++i) {
    at = at->insert_or_assign("x", toml::table{}).first->second.as_table();
  }
  const auto lines = detail::key_lines(root);
  EXPECT_LE(lines.size(), 10u);
  EXPECT_TRUE(lines.contains("x.x.x"));
}

TEST(ConfigLimits, ALongValueIsRefusedWithoutBeingRepeated) {
  const std::string huge(3 * 1024 * 1024, 'A');
  const auto problems = problems_of(std::string(good_tenant) + "[daemon]\nlog_level = \"" + huge + "\"\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 9);
  EXPECT_EQ(problems[0].key, "daemon.log_level");
  EXPECT_THAT(problems[0].message, HasSubstr("longer than 8192 bytes"));
  EXPECT_THAT(problems[0].message, Not(HasSubstr("AAAA")));
}

TEST(ConfigLimits, ALongKeyIsRefusedAndShownCut) {
  const std::string key(100'000, 'k');
  const auto problems = problems_of(std::string(good_tenant) + key + " = 1\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 8);
  EXPECT_THAT(problems[0].message, HasSubstr("longer than 128 bytes"));
  EXPECT_LT(problems[0].to_string().size(), 200u) << problems[0].to_string();
}

TEST(ConfigLimits, EveryEchoIsCut) {
  // Under every limit, and still too long to repeat whole.
  const std::string unknown_key(120, 'u');
  const std::string bad_level(4000, 'w');
  const auto problems = problems_of(std::string(good_tenant) + unknown_key + " = 1\n[daemon]\nlog_level = \"" +
                                    bad_level + "\"\nlisten = \"" + bad_level + ":80\"\n");
  ASSERT_EQ(problems.size(), 3u) << all_messages(problems);
  for (const auto& p : problems) {
    EXPECT_LT(p.to_string().size(), 400u) << p.to_string();
  }
  // The parser's own description can quote a whole key.
  std::string key = "a";
  for (int i = 0; i < 60; ++i) {
    key += "." + std::string(100, 'b');
  }
  const auto redefined = problems_of(std::string(good_tenant) + key + " = 1\n" + key + " = 2\n");
  ASSERT_EQ(redefined.size(), 1u);
  EXPECT_LT(redefined[0].to_string().size(), 700u);
}

TEST(ConfigLimits, NoMessageCarriesALineBreakOrAQuoteFromTheFile) {
  const auto problems = problems_of(std::string(good_tenant) +
                                    "[daemon]\nlog_level = \"warn\\nbad.toml:1:1: all clear\"\n"
                                    "log_format = \"it's\"\nshutdown_grace = \"5\\u2028m\"\n");
  ASSERT_EQ(problems.size(), 3u) << all_messages(problems);
  for (const auto& p : problems) {
    EXPECT_EQ(p.to_string().find('\n'), std::string::npos) << p.to_string();
    EXPECT_THAT(p.message, Not(HasSubstr("all clear")));
    EXPECT_THAT(p.message, Not(HasSubstr("it's")));
    EXPECT_THAT(p.message, Not(HasSubstr("\xe2\x80\xa8")));
  }
}

// guid() and not_one_of repeated values; client_id is where a pasted client secret lands.
TEST(ConfigLimits, SecretLikeValuesAreNeverRepeated) {
  const std::string secret = "Xq8~hunter2.Secret_Value";
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = ")" + secret + R"("
  [tenant.credential]
  kind = "client_secret"
  client_id = ")" + secret + R"("
  client_secret_file = "contoso"
[[sink]]
name = "soc"
kind = "webhook"
url = "https://soc:)" + secret + R"(@hooks.example.net/x"
[[rule]]
name = "r"
scopes = [")" + secret + R"("]
roles = ["*"]
allow = [{ principal_id = ")" + secret +
                                    R"(", reason = "x" }]
)");
  ASSERT_EQ(problems.size(), 5u) << all_messages(problems);
  EXPECT_THAT(all_messages(problems), Not(HasSubstr("hunter2")));
}

// Keys whose names say they hold a secret never have their value repeated, whatever the check.
TEST(ConfigLimits, ValuesOfSecretNamedKeysAreNeverRepeated) {
  const auto table = toml::parse(R"(api_token = "hunter2"
signing_key = "hunter2"
webhook_url = "hunter2"
password_age = "hunter2"
)");
  detail::diagnostics diags("x.toml");
  detail::table_reader reader(table, "", "", diags);
  constexpr std::array<std::string_view, 2> allowed{"hunter", "other"};
  EXPECT_FALSE(reader.one_of("api_token", allowed));
  EXPECT_FALSE(reader.one_of("signing_key", allowed));
  EXPECT_FALSE(reader.one_of("webhook_url", allowed));
  EXPECT_FALSE(reader.duration("password_age", milliseconds{1}));
  const auto problems = diags.sorted();
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_THAT(all_messages(problems), Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace rootwatch::config
