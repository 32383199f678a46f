#pragma once

// The status page (GET / on the health listener): one self-contained HTML page an operator can
// read at a glance, on a phone too. Rendering is pure: a status_page_data in, HTML out, with the
// time of rendering passed in. Every string in the data may come from outside (tenant and
// principal names, error texts) and is escaped; the data holds names, ids and kinds only, never
// a secret, so the page cannot show one. No script, no external asset: the response's
// Content-Security-Policy forbids both.

#include "common/time.hpp"
#include "net/http_types.hpp"
#include "ops/health.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rootwatch::ops {

// Alerts the page lists at most: the latest ones.
inline constexpr std::size_t status_page_alerts = 50;
// Assignments listed per tenant at most (firing first); the page says how many more there are.
inline constexpr std::size_t status_page_assignments = 200;

struct status_assignment {
  std::string scope;
  std::string role_name;
  std::string role_id;
  std::string principal_id;
  std::string principal_type;
  std::optional<std::string> principal_name;
  std::string rule;  // empty: no rule matched it
  std::string severity;
  bool firing = false;
  bool allowed = false;
  bool baselined = false;
  std::optional<timestamp> first_seen;
};

struct status_assignments {
  std::vector<status_assignment> rows;
  std::int64_t total = 0;
  std::string error;  // the state could not be read: said instead of an empty table
};

struct status_delivery {
  std::string sink;
  std::string state;  // pending | delivered | dead
  int attempts = 0;
  std::optional<std::string> last_error;  // scrubbed when stored
  timestamp next_attempt_at{};
  std::optional<timestamp> finished_at;
};

struct status_alert {
  std::string kind;
  std::string severity;
  std::string status;  // firing | resolved
  std::string tenant_name;
  std::string role_name;
  std::string principal_id;
  std::string principal_name;
  std::optional<timestamp> at;  // detected_at, else when it was queued
  std::vector<status_delivery> deliveries;
};

struct status_backlog {
  std::int64_t pending = 0;
  std::optional<timestamp> oldest_pending;
  std::vector<std::pair<std::string, std::int64_t>> pending_by_sink;
};

struct status_page_data {
  std::string version;
  std::string config_path;
  timestamp now{};  // the time of rendering; ages are counted from it
  bool ready = false;
  bool stopping = false;
  std::map<std::string, tenant_health> tenants;           // by tenant name
  std::map<std::string, status_assignments> assignments;  // by tenant name
  std::vector<status_alert> alerts;                       // newest first
  std::string alerts_error;                               // the outbox could not be read
  std::optional<status_backlog> backlog;                  // nullopt with backlog_error
  std::string backlog_error;
};

// `text` safe inside HTML text and quoted attribute values: & < > " ' as entities, invalid UTF-8
// replaced by U+FFFD. Total: any bytes in, no exception.
std::string html_escape(std::string_view text);

// How long before `now` `then` was, for a human: "42s", "5m 3s", "2h 5m", "3d 4h"; a time in
// the future (clock skew) counts as "0s".
std::string format_age(timestamp now, timestamp then);

std::string render_status_page(const status_page_data& data);

// The page with its headers: HTML in UTF-8, never cached, and a Content-Security-Policy that
// allows nothing but the inline style, so that even a name that slipped past escaping could run
// no script and load nothing.
net::server_response status_page_response(std::string html);

}  // namespace rootwatch::ops
