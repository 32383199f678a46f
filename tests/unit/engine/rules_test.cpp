#include "engine/rules.hpp"

#include "builders.hpp"

#include <gtest/gtest.h>

namespace rootwatch::engine {
namespace {

using namespace testing;

struct scope_case {
  const char* pattern;
  const char* scope;
  bool matches;
};

constexpr const char* mg_root = "/providers/Microsoft.Management/managementGroups";
constexpr const char* mg1 = "/providers/Microsoft.Management/managementGroups/mg1";

TEST(scope_matches, table) {
  const scope_case cases[] = {
      // The root.
      {"/", "/", true},
      {"/", "//", true},
      {"/", "", false},
      {"/", mg1, false},
      {"/", "/subscriptions/x", false},
      // Exact scopes: case and a trailing "/" do not matter.
      {mg1, mg1, true},
      {mg1, "/providers/microsoft.management/managementgroups/MG1", true},
      {mg1, "/providers/Microsoft.Management/managementGroups/mg1/", true},
      {"/providers/Microsoft.Management/managementGroups/mg1/", mg1, true},
      {"/PROVIDERS/MICROSOFT.MANAGEMENT/MANAGEMENTGROUPS/MG1//", mg1, true},
      {mg1, "/providers/Microsoft.Management/managementGroups/mg10", false},
      {mg1, "/providers/Microsoft.Management/managementGroups/mg1/sub", false},
      {mg1, "/providers/Microsoft.Management/managementGroups", false},
      {mg1, "/", false},
      // "/*": strictly below the prefix.
      {"/providers/Microsoft.Management/managementGroups/*", mg1, true},
      {"/providers/Microsoft.Management/managementGroups/*", "/PROVIDERS/microsoft.management/MANAGEMENTGROUPS/mg1/",
       true},
      {"/providers/Microsoft.Management/managementGroups/*", mg_root, false},
      {"/providers/Microsoft.Management/managementGroups/*", "/providers/Microsoft.Management/managementGroups/",
       false},
      {"/providers/Microsoft.Management/managementGroups/*", "/providers/Microsoft.Management/managementGroupsX/a",
       false},
      {"/providers/Microsoft.Management/managementGroups/*", "/", false},
      {"/providers/Microsoft.Management/managementGroups/*", "/subscriptions/s1", false},
      {"/subscriptions/s1/*", "/subscriptions/s1/resourceGroups/rg", true},
      {"/subscriptions/s1/*", "/subscriptions/s1", false},
      {"/subscriptions/s1/*", "/subscriptions/s10/resourceGroups/rg", false},
      {"/subscriptions/s1//*", "/subscriptions/s1/resourceGroups/rg", true},
      // "/*" alone: everything but the root.
      {"/*", mg1, true},
      {"/*", "/subscriptions/s1", true},
      {"/*", "/", false},
      {"/*", "", false},
      // "*": everything.
      {"*", "/", true},
      {"*", mg1, true},
      {"*", "", true},
      // Not wildcards.
      {"/providers/*/managementGroups/mg1", mg1, false},
      {"/subscriptions/s1*", "/subscriptions/s10", false},
      {"", "/", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(scope_matches(c.pattern, c.scope), c.matches) << "pattern " << c.pattern << " scope " << c.scope;
  }
}

struct role_case {
  const char* pattern;
  role_ref role;
  bool matches;
};

TEST(role_matches, table) {
  const role_ref uaa{uaa_role, "User Access Administrator"};
  const role_ref unnamed_uaa{uaa_role, ""};
  const role_ref owner{owner_role, "Owner"};
  const role_case cases[] = {
      {"*", uaa, true},
      {"*", role_ref{}, true},
      // By GUID, in any case and either GUID form.
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", uaa, true},
      {"18D7D88D-D35E-4FB5-A5C3-7773C20A72D9", uaa, true},
      {"18d7d88dd35e4fb5a5c37773c20a72d9", uaa, true},
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", unnamed_uaa, true},
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", role_ref{"18D7D88D-D35E-4FB5-A5C3-7773C20A72D9", ""}, true},
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
       role_ref{"/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", ""}, true},
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", owner, false},
      // A GUID pattern never matches a role that happens to carry it as a name.
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", role_ref{owner_role, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"}, false},
      // By name, case-insensitively.
      {"User Access Administrator", uaa, true},
      {"user access administrator", uaa, true},
      {"USER ACCESS ADMINISTRATOR", uaa, true},
      {" Owner ", owner, true},
      {"User Access Administrator", owner, false},
      {"User Access", uaa, false},
      {"Owner", role_ref{owner_role, "Owners"}, false},
      // An unresolved name matches no name pattern.
      {"User Access Administrator", unnamed_uaa, false},
      {"", unnamed_uaa, false},
      {"", owner, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(role_matches(c.pattern, c.role), c.matches)
        << "pattern '" << c.pattern << "' role " << c.role.id << " '" << c.role.name << "'";
  }
}

TEST(match_rules, no_rules_no_match) {
  EXPECT_FALSE(match_rules({}, elevation("a")));
}

TEST(match_rules, needs_both_scope_and_role) {
  const std::vector<rule> rules{make_rule("uaa-at-root", {"/"}, {uaa_role})};
  EXPECT_TRUE(match_rules(rules, elevation("a")));
  EXPECT_FALSE(match_rules(rules, make_assignment("a", "/", owner_role, alice)));
  EXPECT_FALSE(match_rules(rules, make_assignment("a", "/subscriptions/s1", uaa_role, alice)));
}

TEST(match_rules, any_listed_scope_and_any_listed_role) {
  const std::vector<rule> rules{
      make_rule("top", {"/", "/providers/Microsoft.Management/managementGroups/*"}, {"Owner", uaa_role})};
  EXPECT_TRUE(match_rules(rules, elevation("a")));
  assignment owner_on_mg =
      make_assignment("b", "/providers/Microsoft.Management/managementGroups/mg1", owner_role, alice);
  owner_on_mg.role.name = "Owner";
  EXPECT_TRUE(match_rules(rules, owner_on_mg));
  EXPECT_FALSE(match_rules(rules, make_assignment("c", "/", reader_role, alice)));
}

TEST(match_rules, empty_lists_match_nothing) {
  EXPECT_FALSE(match_rules({make_rule("no-scopes", {}, {"*"})}, elevation("a")));
  EXPECT_FALSE(match_rules({make_rule("no-roles", {"*"}, {})}, elevation("a")));
}

TEST(match_rules, first_match_in_configuration_order_wins) {
  const std::vector<rule> rules{
      make_rule("owner-anywhere", {"*"}, {"Owner"}, severity::medium),
      make_rule("uaa-at-root", {"/"}, {uaa_role}, severity::critical),
      make_rule("anything-at-root", {"/"}, {"*"}, severity::high),
  };
  const auto uaa = match_rules(rules, elevation("a"));
  ASSERT_TRUE(uaa);
  EXPECT_EQ(uaa->matched, &rules[1]);
  EXPECT_EQ(uaa->matched->name, "uaa-at-root");

  const auto reader = match_rules(rules, make_assignment("b", "/", reader_role, alice));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->matched->name, "anything-at-root");

  const std::vector<rule> reversed{rules[2], rules[1], rules[0]};
  EXPECT_EQ(match_rules(reversed, elevation("a"))->matched->name, "anything-at-root");
}

TEST(match_rules, allow_list_of_the_matching_rule) {
  const std::vector<rule> rules{make_rule("anything-at-root", {"/"}, {"*"}, severity::critical,
                                          {{bob, "someone else"}, {break_glass, "break-glass account"}})};
  const auto allowed = match_rules(rules, elevation("a", break_glass));
  ASSERT_TRUE(allowed);
  ASSERT_TRUE(allowed->allowed_by);
  EXPECT_EQ(allowed->allowed_by->reason, "break-glass account");

  const auto not_allowed = match_rules(rules, elevation("a", alice));
  ASSERT_TRUE(not_allowed);
  EXPECT_FALSE(not_allowed->allowed_by);
}

TEST(match_rules, allow_entries_compare_as_normalized_guids) {
  const std::vector<rule> rules{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{"33333333333333333333333333333333", "x"}})};
  EXPECT_TRUE(match_rules(rules, elevation("a", "33333333-3333-3333-3333-333333333333"))->allowed_by);
  const std::vector<rule> upper{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{"AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA", "x"}})};
  EXPECT_TRUE(match_rules(upper, elevation("a", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"))->allowed_by);
  EXPECT_TRUE(match_rules(upper, elevation("a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))->allowed_by);
}

// An allow entry of a later rule does not help when an earlier rule matches: the first
// match decides, allow list included.
TEST(match_rules, only_the_first_matching_rule_allow_list_counts) {
  const std::vector<rule> rules{
      make_rule("uaa-at-root", {"/"}, {uaa_role}, severity::critical),
      make_rule("anything-at-root", {"/"}, {"*"}, severity::high, {{break_glass, "break-glass"}}),
  };
  const auto m = match_rules(rules, elevation("a", break_glass));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->matched->name, "uaa-at-root");
  EXPECT_FALSE(m->allowed_by);
}

TEST(match_rules, an_empty_principal_is_never_allowed) {
  const std::vector<rule> rules{make_rule("r", {"/"}, {"*"}, severity::critical, {{"", "misconfigured"}})};
  const auto m = match_rules(rules, elevation("a", ""));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->allowed_by);
}

}  // namespace
}  // namespace rootwatch::engine
