// Inputs the fuzzers (tests/fuzz) found, each kept as a test of its own. The same inputs are in
// tests/fuzz/corpus/config_load/.

#include "config/load.hpp"

#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

// toml++ 3.3.0 enters parse_key() on a table header that starts with neither a key character
// nor a quote, a precondition it asserts (marzer/tomlplusplus#301): a build of toml++ with
// assertions aborts, and one without assumes it holds. Debian's shared library, which the
// daemon links, reports the parse error; this pins that against an upgrade or a switch to the
// header-only build.
TEST(load_fuzz_regressions, a_table_header_without_a_key_is_a_parse_error) {
  for (const std::string_view text : {"[:\n", "[[:]]\n", "[[[1]]]\n", "[::::[tenant]]\nname = \"contoso\"\n"}) {
    const load_result result = load_string(text, "fuzz.toml");
    EXPECT_FALSE(result.value) << text;
    ASSERT_EQ(result.problems.size(), 1u) << text;
    EXPECT_EQ(result.problems[0].line, 1) << text;
  }
}

}  // namespace
}  // namespace rootwatch::config
