#include "config/checks.hpp"
#include "config/sections.hpp"

#include <array>

namespace rootwatch::config::detail {
namespace {

using namespace std::chrono_literals;

std::optional<std::string> url_problem(std::string_view url) {
  return https_url_problem(url, false);
}

struct destination {
  std::string url;
  std::string url_file;
  std::string url_env;
};

// Where a sink delivers to. URLs often carry their credential (Slack, Teams "sig=", basic
// auth), so no message here quotes one. A pagerduty sink has a default: PagerDuty's one
// Events API endpoint (its credential is the routing key, not the URL).
destination read_destination(table_reader& r, std::optional<sink_kind> kind) {
  destination d;
  d.url = r.checked_string("url", url_problem).value_or("");
  d.url_file = r.non_empty_string("url_file").value_or("");
  d.url_env = r.checked_string("url_env", env_name_problem).value_or("");
  constexpr std::array<std::string_view, 3> keys{"url", "url_file", "url_env"};
  int present = 0;
  for (const auto key : keys) {
    if (r.has(key) && ++present == 2) {
      r.fail(key, "set only one of url, url_file and url_env");
    }
  }
  if (present == 0 && kind == sink_kind::pagerduty) {
    d.url = std::string(pagerduty_events_url);
  } else if (present == 0) {
    r.fail_table("missing the destination: set exactly one of url, url_file and url_env");
  }
  return d;
}

std::optional<webhook_format> read_format(table_reader& r, std::optional<sink_kind> kind) {
  if (kind && *kind != sink_kind::webhook && r.take("format") != nullptr) {
    r.fail("format", "format applies only to webhook sinks; a " + std::string(to_string(*kind)) +
                         " sink always sends its receiver's own format");
    return std::nullopt;
  }
  return r.choice("format", webhook_format_names);
}

struct signing {
  std::string file;
  std::string env;
};

// The receivers with a format of their own (Slack, Teams, PagerDuty) do not check Standard
// Webhooks signatures: a key there would look like protection and be none.
bool takes_signing(std::optional<sink_kind> kind) {
  return !kind || (*kind != sink_kind::slack && *kind != sink_kind::teams && *kind != sink_kind::pagerduty);
}

signing read_signing(table_reader& r, std::optional<sink_kind> kind) {
  if (!takes_signing(kind)) {
    for (const std::string_view key : {"signing_secret_file", "signing_secret_env"}) {
      if (r.take(key) != nullptr) {
        r.fail(key, "a " + std::string(to_string(*kind)) +
                        " sink is not signed: its receiver does not check Standard Webhooks signatures");
      }
    }
    return {};
  }
  signing out;
  out.file = r.non_empty_string("signing_secret_file").value_or("");
  out.env = r.checked_string("signing_secret_env", env_name_problem).value_or("");
  if (r.has("signing_secret_file") && r.has("signing_secret_env")) {
    r.fail("signing_secret_env", "set at most one of signing_secret_file and signing_secret_env");
  }
  return out;
}

struct routing_key {
  std::string file;
  std::string env;
};

// PagerDuty's integration key is a credential: it comes from a file or the environment, never
// from the configuration itself, and no message quotes it.
routing_key read_routing_key(table_reader& r, std::optional<sink_kind> kind) {
  const bool pagerduty = kind == sink_kind::pagerduty;
  if (r.take("routing_key") != nullptr && kind) {
    r.fail("routing_key", pagerduty ? "the routing key is a credential: put it in a file (routing_key_file) or "
                                      "an environment variable (routing_key_env), not in the configuration"
                                    : "routing_key applies only to pagerduty sinks");
  }
  if (!pagerduty) {
    for (const std::string_view key : {"routing_key_file", "routing_key_env"}) {
      // Taken even when the kind is unreadable, so that one mistake is reported once.
      if (r.take(key) != nullptr && kind) {
        r.fail(key, std::string(key) + " applies only to pagerduty sinks");
      }
    }
    return {};
  }
  routing_key out;
  out.file = r.non_empty_string("routing_key_file").value_or("");
  out.env = r.checked_string("routing_key_env", env_name_problem).value_or("");
  const bool file = r.has("routing_key_file");
  const bool env = r.has("routing_key_env");
  if (file && env) {
    r.fail("routing_key_env", "set only one of routing_key_file and routing_key_env");
  } else if (!file && !env && !r.has("routing_key")) {
    r.fail_table("missing the PagerDuty routing key: set routing_key_file or routing_key_env");
  }
  return out;
}

void check_backoff_order(table_reader& r, const sink_settings& s) {
  if (s.retry_max_backoff >= s.retry_initial_backoff) {
    return;
  }
  const std::string message = "retry_max_backoff (" + format_duration(s.retry_max_backoff) +
                              ") must not be shorter than retry_initial_backoff (" +
                              format_duration(s.retry_initial_backoff) + ")";
  r.fail(r.has("retry_max_backoff") ? "retry_max_backoff" : "retry_initial_backoff", message);
}

sink_settings read_sink(table_reader& r) {
  sink_settings s;
  s.name = r.checked_string("name", name_problem, need::required).value_or("");
  const auto kind = r.choice("kind", sink_kind_names, need::required);
  s.kind = kind.value_or(s.kind);
  const auto where = read_destination(r, kind);
  s.url = where.url;
  s.url_file = where.url_file;
  s.url_env = where.url_env;
  s.format = read_format(r, kind).value_or(s.format);
  const auto key = read_signing(r, kind);
  s.signing_secret_file = key.file;
  s.signing_secret_env = key.env;
  const auto routing = read_routing_key(r, kind);
  s.routing_key_file = routing.file;
  s.routing_key_env = routing.env;
  s.timeout = r.duration("timeout", 1ms, 10min).value_or(s.timeout);
  s.retry_initial_backoff = r.duration("retry_initial_backoff", 1ms, 24h).value_or(s.retry_initial_backoff);
  s.retry_max_backoff = r.duration("retry_max_backoff", 1ms, 24h).value_or(s.retry_max_backoff);
  s.give_up_after = r.duration("give_up_after", 1ms).value_or(s.give_up_after);
  check_backoff_order(r, s);
  read_sink_routing(r, s);
  s.lines = key_lines(r.table());
  r.reject_unknown_keys();
  return s;
}

}  // namespace

std::vector<sink_settings> read_sinks(table_reader& top) {
  auto readers = top.children("sink", "[[sink]]", "[[sink]] tables (note the double brackets)");
  std::vector<sink_settings> out;
  if (!readers) {
    return out;
  }
  unique_names names("sink");
  for (auto& r : *readers) {
    out.push_back(read_sink(r));
    names.check(r, "name", out.back().name);
  }
  return out;
}

}  // namespace rootwatch::config::detail
