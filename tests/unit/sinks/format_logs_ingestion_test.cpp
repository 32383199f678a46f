// Rows for the Logs Ingestion API: the columns of docs/azure_monitor_logs.md, the 1 MB and
// 500-row packing of one request, and an alert too large for a request of its own.

#include "sinks/format_logs_ingestion.hpp"

#include "common/text.hpp"
#include "format_fixture.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace rootwatch::sinks {
namespace {

json row_of(const engine::alert& a) {
  return json::parse(logs_row_text(a, engine::to_json(a)));
}

TEST(format_logs_ingestion, a_row_has_exactly_the_declared_columns) {
  const auto a = fixture::created_alert();
  const json row = row_of(a);
  std::vector<std::string> columns;
  for (const auto& [k, v] : row.items()) {
    columns.push_back(k);
  }
  const std::vector<std::string> expected{"ActorIp",  "ActorUpn",    "Alert",       "AlertId",    "CorrelationKey",
                                          "Kind",     "PrincipalId", "Remediation", "RoleName",   "Scope",
                                          "Severity", "Status",      "TenantId",    "TenantName", "TimeGenerated"};
  EXPECT_EQ(columns, expected);
  EXPECT_EQ(row["TimeGenerated"], format_iso8601(a.detected_at));
  EXPECT_EQ(row["AlertId"], "a-created");
  EXPECT_EQ(row["Kind"], "assignment.created");
  EXPECT_EQ(row["Status"], "firing");
  EXPECT_EQ(row["Severity"], engine::to_string(a.level));
  EXPECT_EQ(row["TenantId"], a.tenant.id);
  EXPECT_EQ(row["TenantName"], a.tenant.name);
  EXPECT_EQ(row["Scope"], "/");
  EXPECT_EQ(row["RoleName"], "User Access Administrator");
  EXPECT_EQ(row["PrincipalId"], "a11ce000-0000-4000-8000-000000000001");
  EXPECT_EQ(row["ActorUpn"], "zoe@contoso.example");
  EXPECT_EQ(row["ActorIp"], "203.0.113.7");
  EXPECT_EQ(row["CorrelationKey"], "ck-9f8e7d6c");
  EXPECT_EQ(row["Remediation"], a.remediation);
  EXPECT_EQ(row["Alert"], engine::to_json(a)) << "Alert is the whole rootwatch alert, as a dynamic object";
}

TEST(format_logs_ingestion, an_alert_about_no_assignment_has_empty_strings_not_missing_columns) {
  const json row = row_of(fixture::degraded_alert());
  EXPECT_EQ(row.size(), 15u);
  for (const char* column : {"Scope", "RoleName", "PrincipalId", "ActorUpn", "ActorIp"}) {
    EXPECT_EQ(row[column], "") << column;
  }
  EXPECT_EQ(row["Kind"], "watch.degraded");
}

TEST(format_logs_ingestion, rows_are_packed_up_to_one_megabyte_of_array) {
  // Two rows of 499,998 bytes: "[" + 499,998 + "," + 499,998 + "]" is 999,999 bytes.
  const std::vector<std::size_t> fit{499'998, 499'998, 1};
  EXPECT_EQ(logs_rows_that_fit(fit), 2u);
  const std::vector<std::size_t> exact{499'998, 499'999};  // exactly 1,000,000
  EXPECT_EQ(logs_rows_that_fit(exact), 2u);
  const std::vector<std::size_t> over{499'998, 500'000};  // one byte over
  EXPECT_EQ(logs_rows_that_fit(over), 1u);
  const std::vector<std::size_t> huge{5'000'000, 10};
  EXPECT_EQ(logs_rows_that_fit(huge), 1u) << "a row too large still goes, alone";
  EXPECT_EQ(logs_rows_that_fit(std::vector<std::size_t>{}), 0u);
}

TEST(format_logs_ingestion, at_most_500_rows_go_in_one_request) {
  const std::vector<std::size_t> small(700, 100);
  EXPECT_EQ(logs_rows_that_fit(small), logs_max_rows);
  EXPECT_EQ(logs_max_rows, 500u);
}

TEST(format_logs_ingestion, the_array_is_the_rows_joined) {
  const std::vector<std::string> rows{R"({"a":1})", R"({"b":2})"};
  EXPECT_EQ(logs_array(rows), R"([{"a":1},{"b":2}])");
  EXPECT_EQ(logs_array(std::vector<std::string>{}), "[]");
}

TEST(format_logs_ingestion, a_huge_alert_is_cut_to_fit_one_request_on_code_point_boundaries) {
  auto a = fixture::created_alert();
  // Two-, three- and four-byte characters, so that every cut position can split one.
  std::string huge;
  while (huge.size() < 3'000'000) {
    huge += "é日𝄞x";
  }
  a.subject->principal.display_name = huge;
  a.remediation = huge;
  const std::string text = logs_row_text(a, engine::to_json(a));
  EXPECT_LE(text.size() + 2, logs_max_request_bytes);
  EXPECT_TRUE(is_valid_utf8(text));
  const json row = json::parse(text);  // throws on invalid JSON
  EXPECT_EQ(row["AlertId"], "a-created");
  EXPECT_EQ(row["Kind"], "assignment.created");
  const std::string remediation = row["Remediation"];
  EXPECT_LT(remediation.size(), huge.size());
  EXPECT_TRUE(remediation.starts_with("é日𝄞x"));
  EXPECT_TRUE(row["Alert"].is_object());
}

TEST(format_logs_ingestion, an_alert_whose_fields_cannot_be_cut_enough_keeps_its_columns_and_a_note) {
  auto a = fixture::created_alert();
  // Thousands of evidence entries: each field is short, the whole is not.
  for (int i = 0; i < 40'000; ++i) {
    a.evidence.push_back(engine::evidence{"activity_log", a.detected_at, "event-" + std::to_string(i)});
  }
  const std::string text = logs_row_text(a, engine::to_json(a));
  EXPECT_LE(text.size() + 2, logs_max_request_bytes);
  const json row = json::parse(text);
  EXPECT_EQ(row["Alert"]["id"], "a-created");
  EXPECT_TRUE(row["Alert"].contains("truncated"));
  EXPECT_EQ(row["Scope"], "/");
}

TEST(format_logs_ingestion, a_row_that_fits_is_not_cut) {
  auto a = fixture::created_alert();
  a.remediation = std::string(100'000, 'r');  // longer than the cut, shorter than a request
  const json row = row_of(a);
  EXPECT_EQ(row["Remediation"].get<std::string>().size(), 100'000u);
}

}  // namespace
}  // namespace rootwatch::sinks
