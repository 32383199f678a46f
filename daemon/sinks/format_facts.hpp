#pragma once

// The key facts of an alert as title/value pairs, and its one-line title, for the chat and
// paging receivers (Slack, Teams, PagerDuty) that show an alert to a person rather than to a
// program. Values are raw text: each format escapes and cuts them for its own limits. Pure.

#include "engine/model.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::sinks {

struct fact {
  std::string title;
  std::string value;
  bool operator==(const fact&) const = default;
};

// Tenant, scope, role, principal (display name, type, id), who did it (UPN or app, IP) when a
// log said so, the rule, first seen, detected or resolved, and the watcher's detail.
std::vector<fact> alert_facts(const engine::alert& a);

// "CRITICAL · assignment.created", "RESOLVED · assignment.removed (was critical)", with
// "TEST · " in front of a test alert: what a person sees first.
std::string alert_title(const engine::alert& a);

bool is_resolved(const engine::alert& a);

// `text` made valid UTF-8 and, when longer than `max_bytes`, cut on a code-point boundary with
// "…" so that the result, marker included, is at most `max_bytes` bytes. Receivers count their
// limits in characters; a byte budget is never over them.
std::string cut_to(std::string_view text, std::size_t max_bytes);

}  // namespace rootwatch::sinks
