#include "app/outbox_command.hpp"

#include "common/json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

constexpr std::array<std::string_view, 3> known_states{"pending", "dead", "delivered"};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "7" or "7,8": an argument that continues a --seq list.
bool seq_list(std::string_view s) {
  return !s.empty() && s.front() != ',' &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == ','; });
}

result<void> add_seqs(std::string_view text, std::vector<std::int64_t>& into) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto part = text.substr(start, comma - start);
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (!all_digits(part) || ec != std::errc{} || end != part.data() + part.size() || n <= 0) {
      return make_error(error_kind::config, fmt::format("--seq: '{}' is not a row number (seq, as `outbox list` "
                                                        "shows it)",
                                                        part));
    }
    into.push_back(n);
    start = comma + 1;
  }
  return {};
}

result<std::vector<std::string>> parse_states(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const std::string part(text.substr(start, comma - start));
    if (part == "all") {
      return std::vector<std::string>{};
    }
    if (std::find(known_states.begin(), known_states.end(), part) == known_states.end()) {
      return make_error(error_kind::config,
                        fmt::format("--state: '{}' is not one of pending, dead, delivered, all", part));
    }
    out.push_back(part);
    start = comma + 1;
  }
  return out;
}

struct raw_arguments {
  std::string action;
  std::vector<std::int64_t> seqs;
  std::optional<std::string> alert;
  std::optional<std::string> sink;
  std::optional<std::string> state;
  bool json_lines = false;
  bool all_dead = false;
};

result<raw_arguments> read_arguments(const std::vector<std::string>& args) {
  raw_arguments raw;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    // "--flag VALUE" or "--flag=VALUE".
    const auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (a == flag && i + 1 < args.size()) {
        return args[++i];
      }
      if (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 && a[flag.size()] == '=') {
        return a.substr(flag.size() + 1);
      }
      return std::nullopt;
    };
    if (auto v = value("--seq")) {
      if (auto r = add_seqs(*v, raw.seqs); !r) {
        return r.error();
      }
      // "--seq 3 4 5": the numbers that follow belong to it.
      while (i + 1 < args.size() && seq_list(args[i + 1])) {
        if (auto r = add_seqs(args[++i], raw.seqs); !r) {
          return r.error();
        }
      }
    } else if (auto alert = value("--alert")) {
      raw.alert = std::move(*alert);
    } else if (auto sink = value("--sink")) {
      raw.sink = std::move(*sink);
    } else if (auto state = value("--state")) {
      raw.state = std::move(*state);
    } else if (a == "--json") {
      raw.json_lines = true;
    } else if (a == "--all-dead") {
      raw.all_dead = true;
    } else if (!a.empty() && a.front() != '-' && raw.action.empty()) {
      raw.action = a;
    } else {
      return make_error(error_kind::config, fmt::format("unexpected argument '{}'", a));
    }
  }
  return raw;
}

result<void> refuse(bool given, std::string_view flag, std::string_view action) {
  if (given) {
    return make_error(error_kind::config, fmt::format("{} is not for `outbox {}`", flag, action));
  }
  return {};
}

std::string cell(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
  return out;
}

std::string tenant_cell(const store::outbox_row& r) {
  if (!r.tenant_name.empty()) {
    return r.tenant_name;
  }
  return r.tenant_id.empty() ? "-" : r.tenant_id;
}

std::vector<std::string> table_cells(const store::outbox_row& r) {
  return {std::to_string(r.seq),
          r.state,
          r.sink,
          r.kind,
          r.alert_id,
          tenant_cell(r),
          format_iso8601(r.created_at),
          std::to_string(r.attempts),
          r.state == "pending" ? format_iso8601(r.next_attempt_at) : "-",
          r.last_error ? *r.last_error : "-"};
}

// Rows a running daemon would not deliver: their sink is not in this configuration.
std::set<std::string> unconfigured_sinks(const config::settings& cfg, const std::vector<store::outbox_row>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows) {
    const bool configured =
        std::any_of(cfg.sinks.begin(), cfg.sinks.end(), [&](const auto& s) { return s.name == r.sink; });
    if (!configured) {
      out.insert(r.sink);
    }
  }
  return out;
}

void report_change(const config::settings& cfg, const store::outbox_change& change, std::string_view verb,
                   std::string_view how, std::string_view left_as, command_output& output) {
  output.out += fmt::format("{} {} row(s) ({})", verb, change.changed.size(), how);
  output.out += change.changed.empty() ? "\n" : fmt::format(":\n{}", outbox_table(change.changed));
  for (const auto& u : change.untouched) {
    output.out += u.state ? fmt::format("seq {}: {}, left as it is ({})\n", u.seq, *u.state, left_as)
                          : fmt::format("seq {}: no such row\n", u.seq);
  }
  for (const auto& sink : unconfigured_sinks(cfg, change.changed)) {
    output.err += fmt::format(
        "rootwatch outbox: warning: sink '{}' is not configured in {}: no dispatcher delivers "
        "its rows\n",
        sink, cfg.path);
  }
}

}  // namespace

result<outbox_request> parse_outbox_arguments(const std::vector<std::string>& args) {
  auto raw = read_arguments(args);
  if (!raw) {
    return raw.error();
  }
  outbox_request req;
  req.filter.seqs = raw->seqs;
  req.filter.alert_id = raw->alert;
  req.filter.sink = raw->sink;
  req.json_lines = raw->json_lines;
  const std::string& action = raw->action;
  if (action == "list") {
    req.action = outbox_action::list;
    if (auto r = refuse(raw->all_dead, "--all-dead", action); !r) {
      return r.error();
    }
    auto states = parse_states(raw->state.value_or("pending,dead"));
    if (!states) {
      return states.error();
    }
    req.filter.states = std::move(*states);
    return req;
  }
  if (action != "retry" && action != "drop") {
    return make_error(error_kind::config, action.empty()
                                              ? "say what to do: list, retry or drop"
                                              : fmt::format("unknown action '{}': list, retry or drop", action));
  }
  req.action = action == "retry" ? outbox_action::retry : outbox_action::drop;
  for (auto r : {refuse(raw->state.has_value(), "--state", action), refuse(raw->json_lines, "--json", action),
                 refuse(req.action == outbox_action::drop && raw->all_dead, "--all-dead", action)}) {
    if (!r) {
      return r.error();
    }
  }
  if (raw->all_dead) {
    req.filter.states = {"dead"};
  }
  if (!req.filter.selects_something()) {
    return make_error(error_kind::config,
                      req.action == outbox_action::retry
                          ? "retry needs rows to act on: --seq N..., --alert ID, --sink NAME or --all-dead"
                          : "drop refuses to run without a selector, so that no alert is dropped by accident: name "
                            "the rows with --seq N..., --alert ID or --sink NAME");
  }
  return req;
}

std::string outbox_table(const std::vector<store::outbox_row>& rows) {
  std::vector<std::vector<std::string>> lines{
      {"SEQ", "STATE", "SINK", "KIND", "ALERT", "TENANT", "CREATED", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"}};
  for (const auto& r : rows) {
    lines.push_back(table_cells(r));
  }
  std::vector<std::size_t> width(lines.front().size(), 0);
  for (auto& line : lines) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      line[c] = cell(line[c]);
      width[c] = std::max(width[c], line[c].size());
    }
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) {
      // The last column, the error, is as long as it is.
      text += c + 1 == line.size() ? line[c] : fmt::format("{:<{}}  ", line[c], width[c]);
    }
    out += text + "\n";
  }
  return out;
}

std::string outbox_json_line(const store::outbox_row& r) {
  const auto optional_time = [](const std::optional<timestamp>& t) {
    return t ? json(format_iso8601(*t)) : json(nullptr);
  };
  const auto optional_text = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  const json j{
      {"seq", r.seq},
      {"state", r.state},
      {"sink", r.sink},
      {"kind", r.kind},
      {"alert_id", r.alert_id},
      {"tenant", {{"id", optional_text(r.tenant_id)}, {"name", optional_text(r.tenant_name)}}},
      {"created_at", format_iso8601(r.created_at)},
      {"attempts", r.attempts},
      {"next_attempt_at", r.state == "pending" ? json(format_iso8601(r.next_attempt_at)) : json(nullptr)},
      {"last_error", r.last_error ? json(*r.last_error) : json(nullptr)},
      {"finished_at", optional_time(r.finished_at)},
  };
  return dump_tolerant(j);
}

command_output run_outbox(const config::settings& cfg, const outbox_request& request, timestamp now) {
  command_output output;
  auto admin = store::outbox_admin::open(cfg.daemon.state_dir);
  if (!admin) {
    output.code = 2;
    output.err = fmt::format("rootwatch outbox: {}\n", admin.error().message);
    return output;
  }
  const auto failed = [&](const error& e) {
    output.code = 2;
    output.err += fmt::format("rootwatch outbox: {}\n", e.message);
    return output;
  };
  if (request.action == outbox_action::list) {
    auto rows = admin->list(request.filter);
    if (!rows) {
      return failed(rows.error());
    }
    if (request.json_lines) {
      for (const auto& r : *rows) {
        output.out += outbox_json_line(r) + "\n";
      }
    } else {
      output.out = rows->empty() ? "no matching rows in the outbox\n" : outbox_table(*rows);
    }
    return output;
  }
  if (request.action == outbox_action::retry) {
    auto change = admin->retry(request.filter, now);
    if (!change) {
      return failed(change.error());
    }
    report_change(cfg, *change, "requeued", "due now, attempts 0, give_up_after counted from now",
                  "retry acts on pending and dead rows", output);
    if (!change->changed.empty()) {
      output.out += "a running daemon sends them within 30s\n";
    }
    return output;
  }
  auto change = admin->drop(request.filter, now);
  if (!change) {
    return failed(change.error());
  }
  report_change(cfg, *change, "dropped", "marked dead, kept in the outbox", "drop acts on pending rows", output);
  return output;
}

}  // namespace rootwatch::app
