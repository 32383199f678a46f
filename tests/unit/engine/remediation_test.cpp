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

TEST(remediation, degraded_names_the_lost_reader_role_and_the_check) {
  const std::string text = remediation_for_degraded(tenant_ref{tenant_guid, "contoso"});
  EXPECT_NE(text.find("cannot list the role assignments at \"/\""), std::string::npos) << text;
  EXPECT_NE(text.find(std::string("tenant contoso (") + tenant_guid + ")"), std::string::npos) << text;
  EXPECT_NE(text.find("Reader (Microsoft.Authorization/roleAssignments/read)"), std::string::npos) << text;
  EXPECT_NE(text.find("access at the root"), std::string::npos) << text;
  EXPECT_NE(text.find("credential"), std::string::npos) << text;
  EXPECT_NE(text.find("unreachable"), std::string::npos) << text;
  EXPECT_NE(text.find("az role assignment list --scope / --assignee <rootwatch's client id>"), std::string::npos)
      << text;
}

TEST(remediation, a_tenant_without_a_name_is_named_by_its_id) {
  const std::string text = remediation_for_degraded(tenant_ref{tenant_guid, ""});
  EXPECT_NE(text.find(std::string("tenant ") + tenant_guid + ","), std::string::npos) << text;
  EXPECT_EQ(text.find("()"), std::string::npos) << text;
}

TEST(remediation, recovered_points_at_the_blind_window) {
  const std::string text = remediation_for_recovered(tenant_ref{tenant_guid, "contoso"}, at("2025-03-01T12:00:00Z"));
  EXPECT_NE(text.find("again"), std::string::npos) << text;
  EXPECT_NE(text.find("since 2025-03-01T12:00:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("directory Activity Log"), std::string::npos) << text;
  EXPECT_EQ(text.find("az role assignment"), std::string::npos) << "nothing to run, something to review";
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
