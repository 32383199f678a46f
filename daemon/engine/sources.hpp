#pragma once

// Several snapshot sources in one cycle: which one decides presence, where the others disagree
// with it, and each source's own health. Pure, like the rest of the engine (invariant 7).

#include "engine/model.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::engine {

// The sources that can decide presence, most trusted first: the first one configured is the
// authoritative view. ARM lists role assignments directly; Resource Graph is an index of them
// that can lag behind.
inline constexpr std::array<std::string_view, 2> authority_order{"arm", "resource_graph"};

// What one configured snapshot source gave this cycle: a complete listing, or why not.
struct source_outcome {
  std::string source;
  std::optional<snapshot> listing;
  std::string error;  // when there is no listing; already free of secrets
};

// The views a cycle decides with. `authoritative` is null when the cycle has to fail: the
// authoritative source failed (never fall back to another view, whose gaps would look like
// removals) or none is configured; `failure` says why.
struct chosen_views {
  std::string authority;  // name of the authoritative source; "" when none is configured
  const snapshot* authoritative = nullptr;
  std::vector<const snapshot*> others;  // complete listings of the other sources, in outcome order
  std::string failure;
};

// Points into `outcomes`, which must outlive the result.
chosen_views choose_views(const std::vector<source_outcome>& outcomes);
// The same over outcomes held elsewhere (the watcher's, with their listings): none is copied.
// Points into what `outcomes` points to, which must outlive the result.
chosen_views choose_views_from(const std::vector<const source_outcome*>& outcomes);

// A row that one source shows and another does not. Logged and counted, never a creation or a
// removal by itself: presence is the authoritative view's alone.
struct disagreement {
  std::string key;           // identity_key of the row
  std::string shown_by;      // the source that lists it
  std::string missing_from;  // the source that does not
  assignment row;            // as `shown_by` reported it
  bool operator==(const disagreement&) const = default;
};

// Every row the authoritative view and one of the others do not both show, by key, then by
// the source that shows it. Rows are compared by identity (invariant 8), so createdOn or names
// written differently are agreement.
std::vector<disagreement> find_disagreements(const snapshot& authoritative, const std::vector<const snapshot*>& others);

// One source's health after this cycle, and the watch alert it raises, if any.
struct source_step {
  watch_health next;
  std::optional<alert> raised;  // watch.degraded or watch.recovered about this source
};

// A source that is not the authoritative one failed. After `degraded_after` failures of that
// source in a row, one watch.degraded naming it and its error, even while the authoritative
// view still works (its cycle does not fail: the authoritative view is complete).
source_step source_failed(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                          const std::string& error, int degraded_after, timestamp now);

// A source answered with a complete listing: its streak is over, and watch.recovered goes out
// if it had gone degraded.
source_step source_succeeded(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                             const snapshot& listing, timestamp now);
// The same for a source without a listing (an event source): `observed_at` is its read's end.
source_step source_succeeded(const tenant_ref& tenant, std::string_view source, const watch_health& previous,
                             timestamp observed_at, timestamp now);

// "activity_log" and "entra_audit": sources of events, not of a snapshot.
bool is_event_source(std::string_view source);
// What rootwatch's principal needs to read `source`, in words an operator can act on.
std::string_view permission_for(std::string_view source);

}  // namespace rootwatch::engine
