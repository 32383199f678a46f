#pragma once

// The spelling of every enumerated configuration value, in one place: the loader parses with
// these tables and the to_string functions print with them, so the two cannot drift apart.

#include "config/settings.hpp"
#include "engine/cycle.hpp"
#include "engine/model.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace rootwatch::config {

template <class E>
struct named {
  std::string_view name;
  E value;
};

inline constexpr std::array<named<log_format>, 3> log_format_names{{
    {"text", log_format::text},
    {"json", log_format::json},
    {"auto", log_format::automatic},
}};

inline constexpr std::array<std::string_view, 5> log_level_names{"trace", "debug", "info", "warn", "error"};

inline constexpr std::array<named<credential_kind>, 5> credential_kind_names{{
    {"client_secret", credential_kind::client_secret},
    {"client_certificate", credential_kind::client_certificate},
    {"workload_identity", credential_kind::workload_identity},
    {"managed_identity", credential_kind::managed_identity},
    {"azure_cli", credential_kind::azure_cli},
}};

inline constexpr std::array<named<source_kind>, 4> source_kind_names{{
    {"arm", source_kind::arm},
    {"resource_graph", source_kind::resource_graph},
    {"activity_log", source_kind::activity_log},
    {"entra_audit", source_kind::entra_audit},
}};

inline constexpr std::array<named<engine::baseline_mode>, 2> baseline_names{{
    {"alert", engine::baseline_mode::alert},
    {"silent", engine::baseline_mode::silent},
}};

// The engine owns severity's own to_string; this table only serves the loader, so that config
// does not need the engine's object code to parse a file.
inline constexpr std::array<named<engine::severity>, 5> severity_names{{
    {"critical", engine::severity::critical},
    {"high", engine::severity::high},
    {"medium", engine::severity::medium},
    {"low", engine::severity::low},
    {"info", engine::severity::info},
}};

inline constexpr std::array<named<sink_kind>, 6> sink_kind_names{{
    {"webhook", sink_kind::webhook},
    {"slack", sink_kind::slack},
    {"teams", sink_kind::teams},
    {"pagerduty", sink_kind::pagerduty},
    {"action_group", sink_kind::action_group},
    {"azure_monitor_logs", sink_kind::azure_monitor_logs},
}};

inline constexpr std::array<named<webhook_format>, 4> webhook_format_names{{
    {"rootwatch", webhook_format::rootwatch},
    {"common_alert_schema", webhook_format::common_alert_schema},
    {"cloudevents", webhook_format::cloudevents},
    {"alertmanager", webhook_format::alertmanager},
}};

template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<named<E>, N>& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) {
      return entry.name;
    }
  }
  return "unknown";
}

template <class E, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const std::array<named<E>, N>& table) {
  std::array<std::string_view, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = table[i].name;
  }
  return out;
}

template <class E, std::size_t N>
constexpr std::optional<E> lookup(const std::array<named<E>, N>& table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) {
      return entry.value;
    }
  }
  return std::nullopt;
}

}  // namespace rootwatch::config
