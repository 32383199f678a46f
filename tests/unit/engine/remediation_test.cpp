#include "engine/remediation.hpp"

#include "builders.hpp"

#include <gtest/gtest.h>

namespace rootwatch::engine {
namespace {

using namespace testing;

TEST(remediation, present_assignment_gets_a_delete_command) {
  const assignment a = make_assignment("a", "/providers/Microsoft.Management/managementGroups/mg1", owner_role, alice);
  const std::string text = remediation_for_present(a);
  EXPECT_NE(text.find("az role assignment delete --ids \"/providers/Microsoft.Authorization/roleAssignments/a\""),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Access management for Azure resources"), std::string::npos);
}

TEST(remediation, root_elevation_also_names_the_entra_toggle) {
  const std::string text = remediation_for_present(elevation("a"));
  EXPECT_NE(text.find("az role assignment delete --ids"), std::string::npos);
  EXPECT_NE(text.find("Access management for Azure resources"), std::string::npos) << text;
}

TEST(remediation, removed_assignment_says_it_is_gone) {
  const std::string text = remediation_for_removed(elevation("a"));
  EXPECT_NE(text.find("already gone"), std::string::npos);
  EXPECT_NE(text.find("who created it"), std::string::npos);
  EXPECT_EQ(text.find("az role assignment delete"), std::string::npos);
}

TEST(is_root_elevation, uaa_at_the_root_in_any_spelling) {
  EXPECT_TRUE(is_root_elevation(elevation("a")));
  assignment shouted = elevation("a");
  shouted.role.id = "18D7D88D-D35E-4FB5-A5C3-7773C20A72D9";
  shouted.scope = "//";
  EXPECT_TRUE(is_root_elevation(shouted));
  EXPECT_FALSE(is_root_elevation(make_assignment("a", "/", owner_role, alice)));
  EXPECT_FALSE(is_root_elevation(make_assignment("a", "/subscriptions/s", uaa_role, alice)));
}

TEST(shell_quote, one_word_whatever_the_content) {
  EXPECT_EQ(shell_quote("/providers/x"), "\"/providers/x\"");
  EXPECT_EQ(shell_quote(""), "\"\"");
  EXPECT_EQ(shell_quote("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(shell_quote("$(rm -rf /)`x`\\"), "\"\\$(rm -rf /)\\`x\\`\\\\\"");
}

}  // namespace
}  // namespace rootwatch::engine
