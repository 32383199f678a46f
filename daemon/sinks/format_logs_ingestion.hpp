#pragma once

// Rows for the Logs Ingestion API (azure-apis.md §7.3): one row per alert, in the columns of
// the custom table that docs/azure_monitor_logs.md declares, and how many rows go in one
// request. Pure.

#include "common/json.hpp"
#include "engine/model.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace rootwatch::sinks {

// One call may carry 1 MB; we count 10^6 bytes of the JSON array, the stricter reading.
inline constexpr std::size_t logs_max_request_bytes = 1'000'000;
inline constexpr std::size_t logs_max_rows = 500;
// What a row's long fields are cut to when the row alone would not fit in a request. The
// service truncates a field at 64 KB anyway.
inline constexpr std::size_t logs_cut_field_bytes = 32 * 1024;

// The row: TimeGenerated (detected_at), AlertId, Kind, Status, Severity, TenantId, TenantName,
// Scope, RoleName, PrincipalId, ActorUpn, ActorIp, CorrelationKey, Remediation (strings, ""
// when the alert has none) and Alert, `payload` itself: the stored rootwatch.alert/v1 object.
json logs_row(const engine::alert& a, const json& payload);

// The row as it goes into the array. A row that alone would take a request over
// logs_max_request_bytes has its string fields cut on code-point boundaries (and, should that
// not be enough, Alert reduced to its id, kind and a note), so that it still goes, alone.
std::string logs_row_text(const engine::alert& a, const json& payload);

// How many of the leading rows, of these sizes in bytes, go in one request: as many as keep the
// array within logs_max_request_bytes and logs_max_rows, and at least one (a row of its own).
std::size_t logs_rows_that_fit(std::span<const std::size_t> row_bytes);

// "[row,row,...]".
std::string logs_array(std::span<const std::string> rows);

}  // namespace rootwatch::sinks
