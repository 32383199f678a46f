#include "engine/identity.hpp"

#include "builders.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace rootwatch::engine {
namespace {

using namespace testing;

constexpr const char* pinned_guid = "0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f";
constexpr const char* pinned_key =
    "/providers/microsoft.authorization/roleassignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f|/|"
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|2025-02-11T10:00:00Z";

TEST(identity_key, exact_form) {
  EXPECT_EQ(identity_key(elevation(pinned_guid)), pinned_key);
}

TEST(identity_key, without_creation_time_the_last_field_is_empty) {
  assignment a = elevation(pinned_guid);
  a.created_on.reset();
  EXPECT_EQ(identity_key(a),
            "/providers/microsoft.authorization/roleassignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f|/|"
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|");
}

TEST(identity_key, creation_time_keeps_its_fraction) {
  assignment a = elevation(pinned_guid);
  a.created_on = at("2025-02-11T10:00:00.1234567Z");
  EXPECT_TRUE(identity_key(a).ends_with("|2025-02-11T10:00:00.1234567Z"));
}

TEST(identity_key, casing_trailing_slashes_and_guid_forms_do_not_matter) {
  const assignment plain =
      make_assignment(pinned_guid, "/providers/Microsoft.Management/managementGroups/mg1", owner_role, alice);
  assignment shouted = plain;
  shouted.id = "/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/0F2B8C5E-1D3A-4C7B-9E6F-2A4D8B1C3E5F";
  shouted.scope = "/providers/microsoft.management/MANAGEMENTGROUPS/MG1/";
  shouted.role.id = "8E3AF657A8FF443CA75C2FE8C4BCB635";
  shouted.principal.id = "11111111-1111-1111-1111-111111111111";
  EXPECT_EQ(identity_key(shouted), identity_key(plain));

  assignment full_role_id = plain;
  full_role_id.role.id = std::string("/providers/Microsoft.Authorization/roleDefinitions/") + owner_role;
  EXPECT_EQ(identity_key(full_role_id), identity_key(plain));
}

TEST(identity_key, root_scope_keeps_its_slash) {
  assignment a = elevation(pinned_guid);
  a.scope = "//";
  EXPECT_EQ(identity_key(a), pinned_key);
}

TEST(identity_key, audit_and_display_fields_do_not_matter) {
  const assignment plain = elevation(pinned_guid);
  assignment enriched = plain;
  enriched.role.name = "Something Else";
  enriched.principal.type = "ServicePrincipal";
  enriched.principal.display_name = "Alice";
  enriched.condition = "@Resource[...]";
  enriched.created_by = bob;
  EXPECT_EQ(identity_key(enriched), identity_key(plain));
}

TEST(identity_key, each_identifying_field_matters) {
  const assignment base = elevation(pinned_guid);
  const auto differs = [&](auto change) {
    assignment a = base;
    change(a);
    return identity_key(a) != identity_key(base);
  };
  EXPECT_TRUE(differs([](assignment& a) { a.id = assignment_id("0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e50"); }));
  EXPECT_TRUE(differs([](assignment& a) { a.scope = "/providers/Microsoft.Management/managementGroups/x"; }));
  EXPECT_TRUE(differs([](assignment& a) { a.role.id = owner_role; }));
  EXPECT_TRUE(differs([](assignment& a) { a.principal.id = bob; }));
  EXPECT_TRUE(differs([](assignment& a) { a.created_on = at("2025-02-11T10:00:01Z"); }));
  EXPECT_TRUE(differs([](assignment& a) { a.created_on.reset(); }));
}

TEST(canonical_scope, root_and_others) {
  EXPECT_EQ(canonical_scope("/"), "/");
  EXPECT_EQ(canonical_scope("///"), "/");
  EXPECT_EQ(canonical_scope(" / "), "/");
  EXPECT_EQ(canonical_scope("/Providers/X/"), "/providers/x");
  EXPECT_EQ(canonical_scope(""), "");
}

TEST(canonical_role_id, bare_guid_from_any_form) {
  EXPECT_EQ(canonical_role_id(uaa_role), uaa_role);
  EXPECT_EQ(canonical_role_id("18D7D88DD35E4FB5A5C37773C20A72D9"), uaa_role);
  EXPECT_EQ(
      canonical_role_id("/providers/Microsoft.Authorization/roleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"),
      uaa_role);
  EXPECT_EQ(canonical_role_id(""), "");
}

TEST(occurrence_key, the_first_occurrence_is_the_identity_key_itself) {
  EXPECT_EQ(occurrence_key(pinned_key, 1), pinned_key);
  // Stored state from a bug or a hand edit: anything below 1 reads as the first occurrence.
  EXPECT_EQ(occurrence_key(pinned_key, 0), pinned_key);
  EXPECT_EQ(occurrence_key(pinned_key, -3), pinned_key);
}

TEST(occurrence_key, later_occurrences_carry_their_number) {
  EXPECT_EQ(occurrence_key(pinned_key, 2), std::string(pinned_key) + "#2");
  EXPECT_EQ(occurrence_key(pinned_key, 17), std::string(pinned_key) + "#17");
  EXPECT_EQ(occurrence_key("", 2), "#2");
}

TEST(watch_subject_key, names_the_last_complete_cycle) {
  EXPECT_EQ(watch_subject_key(std::nullopt), "watch|never");
  EXPECT_EQ(watch_subject_key(at("2025-03-01T12:00:00Z")), "watch|2025-03-01T12:00:00Z");
  EXPECT_EQ(watch_subject_key(at("2025-03-01T12:00:00.5Z")), "watch|2025-03-01T12:00:00.5Z");
}

// Receivers de-duplicate on these values across versions: if this test fails, the id scheme
// changed and every alert already sent gets a new name. Do not update the literals; add a v2.
TEST(ids, pinned_values) {
  EXPECT_EQ(correlation_key(tenant_guid, pinned_key), "7146d54ea7f079069a025e452528db34");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::created, pinned_key), "8815c18bf970c7d5bf7f6eaeb5797938");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::removed, pinned_key), "3d74d8ceeff95d8f3813b316c4487f21");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::degraded, "watch|2025-03-01T12:00:00Z"),
            "f3034cd7d1e4c51503e0a15763548dd0");
  EXPECT_EQ(correlation_key(tenant_guid, "watch|2025-03-01T12:00:00Z"), "f644c69042e26a4aab1e771df0412c36");
}

TEST(ids, thirty_two_lower_case_hex_digits) {
  const std::regex shape("[0-9a-f]{32}");
  EXPECT_TRUE(std::regex_match(correlation_key(tenant_guid, pinned_key), shape));
  EXPECT_TRUE(std::regex_match(alert_id(tenant_guid, alert_kind::created, pinned_key), shape));
  EXPECT_TRUE(std::regex_match(alert_id("", "", ""), shape));
}

TEST(ids, tenant_id_form_does_not_matter) {
  const std::string expected = correlation_key(tenant_guid, pinned_key);
  EXPECT_EQ(correlation_key("72F988BF-86F1-41AF-91AB-2D7CD011DB47", pinned_key), expected);
  EXPECT_EQ(correlation_key("72f988bf86f141af91ab2d7cd011db47", pinned_key), expected);
  EXPECT_EQ(alert_id("72F988BF-86F1-41AF-91AB-2D7CD011DB47", alert_kind::created, pinned_key),
            alert_id(tenant_guid, alert_kind::created, pinned_key));
}

TEST(ids, every_input_matters) {
  const std::string key = pinned_key;
  const std::string other_tenant = "00000000-0000-0000-0000-000000000001";
  EXPECT_NE(correlation_key(other_tenant, key), correlation_key(tenant_guid, key));
  EXPECT_NE(correlation_key(tenant_guid, key + "x"), correlation_key(tenant_guid, key));
  EXPECT_NE(alert_id(other_tenant, alert_kind::created, key), alert_id(tenant_guid, alert_kind::created, key));
  EXPECT_NE(alert_id(tenant_guid, alert_kind::lingering, key), alert_id(tenant_guid, alert_kind::created, key));
  EXPECT_NE(alert_id(tenant_guid, alert_kind::created, key + "x"), alert_id(tenant_guid, alert_kind::created, key));
}

// The separators keep field boundaries: moving text from one field to the next is a new id.
TEST(ids, fields_cannot_run_into_each_other) {
  EXPECT_NE(alert_id("t", "a", "bc"), alert_id("t", "ab", "c"));
  EXPECT_NE(correlation_key("ta", "b"), correlation_key("t", "ab"));
}

// The correlation key and the alert ids live in separate domains: no alert id equals the
// correlation key of the same assignment.
TEST(ids, domains_are_separate) {
  const std::string corr = correlation_key(tenant_guid, pinned_key);
  for (const std::string_view kind :
       {alert_kind::created, alert_kind::removed, alert_kind::lingering, alert_kind::degraded, alert_kind::recovered}) {
    EXPECT_NE(alert_id(tenant_guid, kind, pinned_key), corr);
  }
}

}  // namespace
}  // namespace rootwatch::engine
