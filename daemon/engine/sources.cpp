#include "engine/sources.hpp"

#include "engine/identity.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace rootwatch::engine {
namespace {

const source_outcome* find_outcome(const std::vector<const source_outcome*>& outcomes, std::string_view name) {
  const auto it =
      std::find_if(outcomes.begin(), outcomes.end(), [name](const source_outcome* o) { return o->source == name; });
  return it == outcomes.end() ? nullptr : *it;
}

std::map<std::string, const assignment*> rows_by_key(const snapshot& s) {
  std::map<std::string, const assignment*> out;
  for (const assignment& a : s.assignments) {
    // A row listed twice is one row: the first copy stands for it.
    out.emplace(identity_key(a), &a);
  }
  return out;
}

// Rows in `from` that `other` lacks, as disagreements shown by `from`.
void add_missing(std::vector<disagreement>& out, const snapshot& from,
                 const std::map<std::string, const assignment*>& from_rows,
                 const std::map<std::string, const assignment*>& other_rows, const std::string& other) {
  for (const auto& [key, row] : from_rows) {
    if (!other_rows.contains(key)) {
      out.push_back(disagreement{key, from.source, other, *row});
    }
  }
}

std::string tenant_text(const tenant_ref& tenant) {
  return tenant.name.empty() ? "tenant " + tenant.id : "tenant " + tenant.name + " (" + tenant.id + ")";
}

// Fields both alerts about one source's outage share; like the tenant-level ones, not about an
// assignment, and high whatever the rules say: a source that cannot see is a gap in the watch.
alert source_watch_alert(const tenant_ref& tenant, std::string_view kind, std::string_view source,
                         const watch_health& streak, timestamp now) {
  const std::string subject = watch_subject_key(source, streak.last_success);
  alert a;
  a.id = alert_id(tenant.id, kind, subject);
  a.kind = std::string(kind);
  a.level = severity::high;
  a.tenant = tenant;
  a.correlation_key = correlation_key(tenant.id, subject);
  a.first_seen = streak.failing_since.value_or(now);
  a.detected_at = now;
  return a;
}

std::string failing_detail(std::string_view source, const watch_health& h) {
  std::string text = "source ";
  text += source;
  text += " failed ";
  text += std::to_string(h.consecutive_failures);
  text += h.consecutive_failures == 1 ? " cycle" : " cycles in a row";
  if (h.failing_since) {
    text += " since " + format_iso8601(*h.failing_since);
  }
  if (is_event_source(source)) {
    text +=
        "; elevations revoked between two polls, and who made an assignment, go unseen until it answers again, "
        "when it is read from where it stopped. Last error: ";
  } else {
    text += "; the authoritative source still answers, so presence is still decided, but what only ";
    text += source;
    text += " would show goes unseen. Last error: ";
  }
  text += h.last_error;
  return text;
}

std::string source_remediation(const tenant_ref& tenant, std::string_view source) {
  std::string text = "rootwatch cannot read source ";
  text += source;
  text += " for " + tenant_text(tenant);
  text += ". Check the detail's error: a missing permission names what to grant to rootwatch's principal (";
  text += permission_for(source);
  text +=
      "), an expired or invalid credential needs a new one, and throttling or an outage of that Azure API passes by "
      "itself.";
  return text;
}

}  // namespace

bool is_event_source(std::string_view source) {
  return source == "activity_log" || source == "entra_audit";
}

std::string_view permission_for(std::string_view source) {
  if (source == "activity_log") {
    return "Reader at \"/providers/Microsoft.Insights\": az role assignment create --assignee <rootwatch's principal> "
           "--role Reader --scope /providers/Microsoft.Insights";
  }
  if (source == "entra_audit") {
    return "the Microsoft Graph application permission AuditLog.Read.All, with admin consent";
  }
  return "Reader at \"/\": az role assignment create --assignee <rootwatch's principal> --role Reader --scope /";
}

chosen_views choose_views(const std::vector<source_outcome>& outcomes) {
  std::vector<const source_outcome*> all;
  all.reserve(outcomes.size());
  for (const source_outcome& o : outcomes) {
    all.push_back(&o);
  }
  return choose_views_from(all);
}

chosen_views choose_views_from(const std::vector<const source_outcome*>& outcomes) {
  chosen_views out;
  const source_outcome* authority = nullptr;
  for (const auto name : authority_order) {
    authority = find_outcome(outcomes, name);
    if (authority != nullptr) {
      break;
    }
  }
  if (authority == nullptr) {
    out.failure = "no snapshot source is configured: add \"arm\" to sources";
    return out;
  }
  out.authority = authority->source;
  if (!authority->listing) {
    out.failure = "source " + authority->source + " (authoritative): " + authority->error;
    return out;
  }
  out.authoritative = &*authority->listing;
  for (const source_outcome* o : outcomes) {
    if (o != authority && o->listing) {
      out.others.push_back(&*o->listing);
    }
  }
  return out;
}

std::vector<disagreement> find_disagreements(const snapshot& authoritative,
                                             const std::vector<const snapshot*>& others) {
  std::vector<disagreement> out;
  if (others.empty()) {
    // Nothing to compare with: no keys to work out (every row of the listing, every cycle).
    return out;
  }
  const auto decided = rows_by_key(authoritative);
  for (const snapshot* other : others) {
    const auto rows = rows_by_key(*other);
    add_missing(out, authoritative, decided, rows, other->source);
    add_missing(out, *other, rows, decided, authoritative.source);
  }
  std::stable_sort(out.begin(), out.end(), [](const disagreement& x, const disagreement& y) {
    return x.key != y.key ? x.key < y.key : x.shown_by < y.shown_by;
  });
  return out;
}

source_step source_failed(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                          const std::string& error, int degraded_after, timestamp now) {
  source_step out{previous, std::nullopt};
  watch_health& h = out.next;
  if (h.consecutive_failures < std::numeric_limits<int>::max()) {
    h.consecutive_failures += 1;
  }
  if (!h.failing_since) {
    h.failing_since = now;
  }
  h.last_error = error;
  if (h.consecutive_failures >= std::max(degraded_after, 1) && !h.degraded) {
    h.degraded = true;
    alert a = source_watch_alert(tenant, alert_kind::degraded, source, h, now);
    a.status = "firing";
    a.detail = failing_detail(source, h);
    a.remediation = source_remediation(tenant, source);
    out.raised = std::move(a);
  }
  return out;
}

source_step source_succeeded(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                             const snapshot& listing, timestamp now) {
  return source_succeeded(tenant, source, previous, listing.taken_at, now);
}

source_step source_succeeded(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                             timestamp observed_at, timestamp now) {
  source_step out;
  out.next.last_success = now;
  if (previous.degraded) {
    alert a = source_watch_alert(tenant, alert_kind::recovered, source, previous, now);
    a.status = "resolved";
    a.evidence.push_back(evidence{std::string(source), observed_at, std::nullopt});
    a.remediation = "Source " + std::string(source) + " answers again for " + tenant_text(tenant) +
                    (is_event_source(source)
                         ? ". It is read again from where it stopped, so what it recorded meanwhile is still alerted."
                         : ". Rows only it shows were not seen while it failed; presence was decided by the"
                           " authoritative source throughout.");
    out.raised = std::move(a);
  }
  return out;
}

}  // namespace rootwatch::engine
