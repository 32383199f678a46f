#include "sinks/format_slack.hpp"

#include "common/json.hpp"
#include "sinks/format_facts.hpp"
#include "sinks/format_text.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

json text_object(std::string_view type, std::string text) {
  json t{{"type", type}, {"text", std::move(text)}};
  if (type == "plain_text") {
    t["emoji"] = true;
  }
  return t;
}

std::string header_text(const engine::alert& a) {
  const std::string icon = is_resolved(a) ? ":white_check_mark: " : ":rotating_light: ";
  return cut_to(icon + alert_title(a), slack_header_max);
}

std::string facts_text(const engine::alert& a) {
  std::string text;
  for (const auto& f : alert_facts(a)) {
    text += fmt::format("*{}:* {}\n", f.title, slack_escape(f.value));
  }
  if (!text.empty()) {
    text.pop_back();
  }
  return slack_cut(text, slack_section_max);
}

std::string remediation_text(const engine::alert& a) {
  constexpr std::string_view head = "*Remediation*\n```";
  constexpr std::string_view tail = "```";
  const std::string command = a.remediation.empty() ? "(none)" : slack_escape(a.remediation);
  return fmt::format("{}{}{}", head, slack_cut(command, slack_section_max - head.size() - tail.size()), tail);
}

std::string fallback_text(const engine::alert& a) {
  const std::string prefix = is_resolved(a) ? "RESOLVED" : fmt::format("{}", engine::to_string(a.level));
  return slack_cut(slack_escape(fmt::format("{}{}: {}", a.test ? "TEST " : "", prefix, alert_summary(a))),
                   slack_section_max);
}

}  // namespace

std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string slack_cut(std::string_view escaped, std::size_t max_bytes) {
  std::string body = cut_to(escaped, max_bytes);
  if (body.size() == escaped.size() && body == escaped) {
    return body;
  }
  // Cut (or repaired): never leave half an entity ("&am…") before the marker.
  constexpr std::string_view marker = "…";
  if (!body.ends_with(marker)) {
    return body;
  }
  body.resize(body.size() - marker.size());
  if (const auto amp = body.rfind('&'); amp != std::string::npos && body.find(';', amp) == std::string::npos) {
    body.resize(amp);
  }
  return body + std::string(marker);
}

rendered render_slack(const engine::alert& a) {
  json blocks = json::array();
  blocks.push_back({{"type", "header"}, {"text", text_object("plain_text", header_text(a))}});
  blocks.push_back({{"type", "section"}, {"text", text_object("mrkdwn", facts_text(a))}});
  blocks.push_back({{"type", "section"}, {"text", text_object("mrkdwn", remediation_text(a))}});
  const std::string context =
      fmt::format("rootwatch alert `{}` · correlation `{}`", slack_escape(a.id), slack_escape(a.correlation_key));
  blocks.push_back(
      {{"type", "context"}, {"elements", json::array({text_object("mrkdwn", slack_cut(context, slack_section_max))})}});
  json body{{"text", fallback_text(a)}, {"blocks", std::move(blocks)}};
  return rendered{dump_tolerant(body), "application/json"};
}

}  // namespace rootwatch::sinks
