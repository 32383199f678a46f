// identity_key builds its key in one string (issue 9: it runs for every row of every listing).
// It must stay exactly the key its definition gives, field by field in canonical form, for every
// shape a source writes: case, blanks, trailing slashes, bare and dashed GUIDs, full role ids.

#include "common/strings.hpp"
#include "engine/identity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::engine {
namespace {

std::string defined_key(const assignment& a) {
  return to_lower(trim(a.id)) + "|" + canonical_scope(a.scope) + "|" + canonical_role_id(a.role.id) + "|" +
         normalize_guid(a.principal.id) + "|";
}

TEST(identity_key_form, equals_its_definition_for_every_shape_of_field) {
  const std::vector<std::string> ids{
      "", "/providers/Microsoft.Authorization/roleAssignments/0A1B2C3D-0000-4000-8000-00000000000A",
      "  /PROVIDERS/microsoft.authorization/ROLEASSIGNMENTS/abc \t", "ä/Ü\xFF"};
  const std::vector<std::string> scopes{"",          "/", "//", " / ", "/Subscriptions/ABC/", "/providers/X///",
                                        "\t/A/b/\n", "Ü/"};
  const std::vector<std::string> roles{
      "",
      "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
      "18D7D88DD35E4FB5A5C37773C20A72D9",
      "/providers/Microsoft.Authorization/roleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9",
      "/providers/Microsoft.Authorization/roleDefinitions/ 18D7D88DD35E4FB5A5C37773C20A72D9 /",
      "/providers/x/roleDefinitions/Owner//",
      "18D7D88DD35E4FB5A5C37773C20A72DZ",
      "18D7D88DD35E4FB5A5C37773C20A72D"};
  const std::vector<std::string> principals{"", "A11CE000-0000-4000-8000-000000000001",
                                            " a11ce00000004000800000000000000F ", "a11ce00000004000800000000000000g",
                                            "user@CONTOSO.com"};
  int checked = 0;
  for (const auto& id : ids) {
    for (const auto& scope : scopes) {
      for (const auto& role : roles) {
        for (const auto& principal : principals) {
          assignment a;
          a.id = id;
          a.scope = scope;
          a.role.id = role;
          a.principal.id = principal;
          ASSERT_EQ(identity_key(a), defined_key(a))
              << "id=" << id << " scope=" << scope << " role=" << role << " principal=" << principal;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 8 * 8 * 5);
}

}  // namespace
}  // namespace rootwatch::engine
