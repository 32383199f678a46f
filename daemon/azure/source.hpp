#pragma once

// What a watcher gathers from. A source is a value behind one of these interfaces: adding one
// touches azure/ and the wiring in app/, never the watcher's cycle.

#include "common/asio.hpp"
#include "common/error.hpp"
#include "engine/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

// The current state: the role assignments at the watched scopes ("arm", "resource_graph").
class snapshot_source {
 public:
  virtual ~snapshot_source() = default;

  // The name in config `sources`, health, metrics and evidence: "arm", "resource_graph".
  virtual std::string_view name() const = 0;

  // Every page, or an error: never a partial snapshot (invariant 1). Runs under the cycle's
  // deadline; a cancelled call returns promptly with kind cancelled.
  // `held`: the fingerprint of the listing from this source that the caller last decided on, or
  // empty. When every page is byte for byte one that listing was read from, a source may answer
  // with that fingerprint, `unchanged` set and no rows, instead of parsing the pages again; the
  // caller then reuses what it decided on that listing. A source that cannot tell reads in full, and may leave
  // the fingerprint empty.
  virtual awaitable<result<engine::snapshot>> snapshot(std::string held) = 0;
};

// The events: what a log recorded ("activity_log", "entra_audit"), so that who did it, and an
// elevation revoked between two snapshots, are still seen.
class event_source {
 public:
  virtual ~event_source() = default;

  virtual std::string_view name() const = 0;

  // The events of interest (elevateAccess, role assignment write and delete) that occurred in
  // [since, until): every page, or an error, never a partial list. The caller keeps the
  // watermark, the overlap and the de-duplication by event_id; a source only reads.
  virtual awaitable<result<std::vector<engine::audit_event>>> events(timestamp since, timestamp until) = 0;
};

}  // namespace rootwatch::azure
