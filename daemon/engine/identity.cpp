#include "engine/identity.hpp"

#include "common/sha256.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <cctype>

namespace rootwatch::engine {
namespace {

// 128 bits: collisions stay out of reach for the number of alerts one installation will ever
// see, and the id stays short enough for receivers with tight key limits.
constexpr std::size_t id_hex_digits = 32;

std::string short_hash(const std::string& domain_separated) {
  return sha256_hex(domain_separated).substr(0, id_hex_digits);
}

// Appends `s` in lower case, as to_lower does in the "C" locale rootwatch runs in (it never
// calls setlocale): identity_key runs for every row of every listing, and this spares it a
// string per field.
void append_lower(std::string& out, std::string_view s) {
  const auto start = out.size();
  out.resize(start + s.size());
  std::transform(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(start),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
}

// canonical_scope(scope), appended.
void append_scope(std::string& out, std::string_view scope) {
  const auto start = out.size();
  append_lower(out, trim(scope));
  while (out.size() > start + 1 && out.back() == '/') {
    out.pop_back();
  }
}

}  // namespace

std::string canonical_scope(std::string_view scope) {
  std::string out = to_lower(trim(scope));
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

std::string canonical_role_id(std::string_view role_id) {
  return normalize_guid(last_segment(trim(role_id)));
}

std::string identity_key(const assignment& a) {
  std::string key;
  key.reserve(a.id.size() + a.scope.size() + a.role.id.size() + a.principal.id.size() + 8);
  append_lower(key, trim(a.id));
  key += '|';
  append_scope(key, a.scope);
  key += '|';
  append_normalized_guid(key, last_segment(trim(a.role.id)));
  key += '|';
  append_normalized_guid(key, a.principal.id);
  // The fifth field held createdOn before schema 3. It stays, always empty, so that an
  // assignment that never had a createdOn keeps the alert ids and correlation key it had.
  key += '|';
  return key;
}

bool recreated(const assignment& before, const assignment& now) {
  if (!before.created_on || !now.created_on) {
    return false;
  }
  const auto gap = *now.created_on > *before.created_on ? *now.created_on - *before.created_on
                                                        : *before.created_on - *now.created_on;
  return gap >= recreation_threshold;
}

std::string alert_subject(const tracked_assignment& t) {
  return t.subject.empty() ? occurrence_key(t.key, t.occurrence) : t.subject;
}

std::string occurrence_key(std::string_view assignment_key, int occurrence) {
  std::string key(assignment_key);
  if (occurrence > 1) {
    key += '#';
    key += std::to_string(occurrence);
  }
  return key;
}

std::string reminder_subject(std::string_view occurrence_subject, int number) {
  std::string key(occurrence_subject);
  key += "|reminder=";
  key += std::to_string(number);
  return key;
}

std::string watch_subject_key(const std::optional<timestamp>& last_success) {
  return "watch|" + (last_success ? format_iso8601(*last_success) : std::string("never"));
}

std::string watch_subject_key(std::string_view source, const std::optional<timestamp>& last_success) {
  std::string key = "watch|source=";
  key += source;
  key += '|';
  key += last_success ? format_iso8601(*last_success) : std::string("never");
  return key;
}

// The "v1" and the field separators are part of the contract: receivers de-duplicate on these
// ids across versions, so changing either string renames every alert ever sent.
std::string correlation_key(std::string_view tenant_id, std::string_view assignment_key) {
  std::string input = "rootwatch/correlation/v1\n";
  input += normalize_guid(tenant_id);
  input += '\n';
  input += assignment_key;
  return short_hash(input);
}

std::string alert_id(std::string_view tenant_id, std::string_view kind, std::string_view subject_key) {
  std::string input = "rootwatch/alert/v1\n";
  input += normalize_guid(tenant_id);
  input += '\n';
  input += kind;
  input += '\n';
  input += subject_key;
  return short_hash(input);
}

}  // namespace rootwatch::engine
