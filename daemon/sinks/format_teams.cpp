#include "sinks/format_teams.hpp"

#include "common/json.hpp"
#include "sinks/format_facts.hpp"
#include "sinks/format_text.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

json text_block(std::string text) {
  return {{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
}

json title_block(const engine::alert& a) {
  json t = text_block(cut_to(alert_title(a), teams_fact_max));
  t["weight"] = "Bolder";
  t["size"] = "Medium";
  // Green once resolved, so that a channel skimmed later tells the two apart at a glance.
  t["color"] = is_resolved(a) ? "Good" : "Attention";
  return t;
}

json fact_set(const engine::alert& a) {
  json facts = json::array();
  for (const auto& f : alert_facts(a)) {
    facts.push_back({{"title", f.title}, {"value", cut_to(f.value, teams_fact_max)}});
  }
  return {{"type", "FactSet"}, {"facts", std::move(facts)}};
}

json remediation_heading() {
  json heading = text_block("Remediation");
  heading["weight"] = "Bolder";
  return heading;
}

json remediation_command(const engine::alert& a) {
  json command = text_block(cut_to(a.remediation.empty() ? "(none)" : a.remediation, teams_text_max));
  command["fontType"] = "Monospace";
  return command;
}

}  // namespace

rendered render_teams(const engine::alert& a) {
  json body = json::array();
  body.push_back(title_block(a));
  const std::string summary = (is_resolved(a) ? "RESOLVED: " : "") + alert_summary(a);
  body.push_back(text_block(cut_to(summary, teams_text_max)));
  body.push_back(fact_set(a));
  body.push_back(remediation_heading());
  body.push_back(remediation_command(a));
  json id =
      text_block(cut_to(fmt::format("rootwatch alert {} · correlation {}", a.id, a.correlation_key), teams_fact_max));
  id["isSubtle"] = true;
  id["size"] = "Small";
  body.push_back(std::move(id));
  json card{
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.4"},
      {"body", std::move(body)},
      {"msteams", {{"width", "Full"}}},
  };
  json message{
      {"type", "message"},
      {"attachments",
       json::array(
           {{{"contentType", adaptive_card_content_type}, {"contentUrl", nullptr}, {"content", std::move(card)}}})},
  };
  return rendered{dump_tolerant(message), "application/json"};
}

}  // namespace rootwatch::sinks
