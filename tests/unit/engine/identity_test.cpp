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
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|";
// The key schema 2 gave the same assignment with its createdOn of 2025-02-11T10:00:00Z. Rows
// migrated from schema 2 keep it as the subject of their alerts.
constexpr const char* schema2_key =
    "/providers/microsoft.authorization/roleassignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f|/|"
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|2025-02-11T10:00:00Z";

TEST(identity_key, exact_form) {
  EXPECT_EQ(identity_key(elevation(pinned_guid)), pinned_key);
}

// Invariant 8: the fifth field, once createdOn, is always empty, whatever the source wrote.
TEST(identity_key, creation_time_is_never_part_of_it) {
  const auto key_with = [](std::optional<timestamp> created_on) {
    assignment a = elevation(pinned_guid);
    a.created_on = created_on;
    return identity_key(a);
  };
  EXPECT_EQ(key_with(std::nullopt), pinned_key);
  EXPECT_EQ(key_with(at("2025-02-11T10:00:00.1234567Z")), pinned_key);
  EXPECT_EQ(key_with(at("2025-02-11T10:00:00.1234568Z")), pinned_key);
  EXPECT_EQ(key_with(at("2031-07-01T00:00:00Z")), pinned_key);
  EXPECT_EQ(key_with(parse_iso8601("not a date")), pinned_key);
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
  enriched.created_on = at("2024-01-01T00:00:00Z");
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
}

// --- recreated: a delete-and-recreate under the same id, told from formatting ---

assignment created_at(std::optional<timestamp> created_on) {
  assignment a = elevation(pinned_guid);
  a.created_on = created_on;
  return a;
}

TEST(recreated, creation_times_a_second_or_more_apart) {
  const timestamp t = at("2025-02-11T10:00:00.1234567Z");
  EXPECT_TRUE(recreated(created_at(t), created_at(t + seconds{1})));
  EXPECT_TRUE(recreated(created_at(t + seconds{1}), created_at(t)));
  EXPECT_TRUE(recreated(created_at(t), created_at(t + std::chrono::hours{5})));
  EXPECT_TRUE(recreated(created_at(t), created_at(t - std::chrono::hours{5})));
}

// ARM writes 7 fractional digits; other sources round or cut them.
TEST(recreated, a_sub_second_difference_is_formatting) {
  const timestamp t = at("2025-02-11T10:00:00.1234567Z");
  EXPECT_FALSE(recreated(created_at(t), created_at(t)));
  EXPECT_FALSE(recreated(created_at(t), created_at(at("2025-02-11T10:00:00.1234568Z"))));
  EXPECT_FALSE(recreated(created_at(t), created_at(at("2025-02-11T10:00:00Z"))));
  EXPECT_FALSE(recreated(created_at(t), created_at(at("2025-02-11T10:00:00.123+00:00"))));
  EXPECT_FALSE(recreated(created_at(t), created_at(t + milliseconds{999})));
  EXPECT_FALSE(recreated(created_at(t), created_at(t - milliseconds{999})));
}

TEST(recreated, unknown_on_either_side_is_the_same_assignment) {
  const timestamp t = at("2025-02-11T10:00:00Z");
  const timestamp later = t + std::chrono::hours{5};
  EXPECT_FALSE(recreated(created_at(std::nullopt), created_at(later)));
  EXPECT_FALSE(recreated(created_at(t), created_at(std::nullopt)));
  EXPECT_FALSE(recreated(created_at(std::nullopt), created_at(std::nullopt)));
  EXPECT_FALSE(recreated(created_at(t), created_at(parse_iso8601("yesterday"))));
}

// --- alert_subject ---

TEST(alert_subject, a_stored_subject_wins) {
  tracked_assignment t;
  t.key = pinned_key;
  t.subject = schema2_key;
  t.occurrence = 4;
  EXPECT_EQ(alert_subject(t), schema2_key);
}

TEST(alert_subject, without_one_it_is_the_occurrence_key) {
  tracked_assignment t;
  t.key = pinned_key;
  EXPECT_EQ(alert_subject(t), pinned_key);
  t.occurrence = 3;
  EXPECT_EQ(alert_subject(t), std::string(pinned_key) + "#3");
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
// The subject here is a schema 2 key: rows migrated from schema 2 still resolve under it.
TEST(ids, pinned_values) {
  EXPECT_EQ(correlation_key(tenant_guid, schema2_key), "7146d54ea7f079069a025e452528db34");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::created, schema2_key), "8815c18bf970c7d5bf7f6eaeb5797938");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::removed, schema2_key), "3d74d8ceeff95d8f3813b316c4487f21");
  EXPECT_EQ(alert_id(tenant_guid, alert_kind::degraded, "watch|2025-03-01T12:00:00Z"),
            "f3034cd7d1e4c51503e0a15763548dd0");
  EXPECT_EQ(correlation_key(tenant_guid, "watch|2025-03-01T12:00:00Z"), "f644c69042e26a4aab1e771df0412c36");
}

// Upgrading to schema 3 renames no alert of an assignment that had no createdOn: its key was
// already this one. One with a createdOn gets these ids from now on too; those already firing
// at the upgrade keep their schema 2 subject (see the store's migration).
TEST(ids, an_assignment_gets_the_ids_schema_2_gave_it_without_created_on) {
  for (const std::optional<timestamp> created_on :
       {std::optional<timestamp>{}, std::optional<timestamp>{at("2025-02-11T10:00:00Z")},
        std::optional<timestamp>{at("2025-02-11T10:00:00.1234567Z")}}) {
    assignment a = elevation(pinned_guid);
    a.created_on = created_on;
    const std::string key = identity_key(a);
    EXPECT_EQ(alert_id(tenant_guid, alert_kind::created, key), "3a081a496d52607a84238f9e2508b4f4");
    EXPECT_EQ(alert_id(tenant_guid, alert_kind::removed, key), "fc6a30591507008ed546a602bf80990e");
    EXPECT_EQ(correlation_key(tenant_guid, key), "2cfd5c5bc0610f0a2ec8de9137848d75");
  }
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
