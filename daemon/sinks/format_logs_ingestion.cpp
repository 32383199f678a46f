#include "sinks/format_logs_ingestion.hpp"

#include "common/text.hpp"
#include "common/time.hpp"

#include <algorithm>

namespace rootwatch::sinks {
namespace {

// Every string in `j`, at any depth, cut to `max_bytes` on a code-point boundary.
void cut_strings(json& j, std::size_t max_bytes) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > max_bytes) {
      j = cut_utf8(s, max_bytes);
    }
    return;
  }
  if (j.is_structured()) {
    for (auto& child : j) {
      cut_strings(child, max_bytes);
    }
  }
}

bool fits_alone(const std::string& row_text) {
  return row_text.size() + 2 <= logs_max_request_bytes;  // the array's brackets
}

std::string or_empty(const std::optional<std::string>& s) {
  return s.value_or("");
}

}  // namespace

json logs_row(const engine::alert& a, const json& payload) {
  const auto* subject = a.subject ? &*a.subject : nullptr;
  const auto* actor = a.actor ? &*a.actor : nullptr;
  std::string role;
  if (subject) {
    role = subject->role.name.empty() ? subject->role.id : subject->role.name;
  }
  return json{
      {"TimeGenerated", format_iso8601(a.detected_at)},
      {"AlertId", a.id},
      {"Kind", a.kind},
      {"Status", a.status},
      {"Severity", engine::to_string(a.level)},
      {"TenantId", a.tenant.id},
      {"TenantName", a.tenant.name},
      {"Scope", subject ? subject->scope : ""},
      {"RoleName", role},
      {"PrincipalId", subject ? subject->principal.id : ""},
      {"ActorUpn", actor ? or_empty(actor->upn) : ""},
      {"ActorIp", actor ? or_empty(actor->ip) : ""},
      {"CorrelationKey", a.correlation_key},
      {"Remediation", a.remediation},
      {"Alert", payload},
  };
}

std::string logs_row_text(const engine::alert& a, const json& payload) {
  json row = logs_row(a, payload);
  std::string text = dump_tolerant(row);
  if (fits_alone(text)) {
    return text;
  }
  cut_strings(row, logs_cut_field_bytes);
  text = dump_tolerant(row);
  if (fits_alone(text)) {
    return text;
  }
  // Too many fields even so (thousands of evidence entries, or text that escapes to six times
  // its size): the columns still say what happened, and the outbox keeps the whole alert.
  row["Alert"] = json{{"id", a.id},
                      {"kind", a.kind},
                      {"truncated", "too large for one Logs Ingestion request; rootwatch's outbox holds it whole"}};
  cut_strings(row, logs_cut_field_bytes / 8);
  return dump_tolerant(row);
}

std::size_t logs_rows_that_fit(std::span<const std::size_t> row_bytes) {
  std::size_t n = 0;
  std::size_t total = 2;  // "[" and "]"
  for (const std::size_t bytes : row_bytes) {
    const std::size_t with_comma = bytes + (n == 0 ? 0 : 1);
    if (n == logs_max_rows || (n > 0 && total + with_comma > logs_max_request_bytes)) {
      break;
    }
    total += with_comma;
    ++n;
  }
  return n;
}

std::string logs_array(std::span<const std::string> rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += rows[i];
  }
  out += ']';
  return out;
}

}  // namespace rootwatch::sinks
