#pragma once

// A Microsoft Teams message for a Workflows (Power Automate) webhook: one Adaptive Card 1.4
// attachment with a title, the summary, a FactSet of the key facts, the remediation command in
// monospace and the alert id. Not the retired Office 365 connector MessageCard. Pure.
//
// A Workflows webhook answers 202 once the flow has the message: a 2xx means accepted, not
// posted. Teams refuses messages above about 28 KB, so every text is cut (on a code-point
// boundary) well under that.

#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <cstddef>
#include <string_view>

namespace rootwatch::sinks {

inline constexpr std::string_view adaptive_card_content_type = "application/vnd.microsoft.card.adaptive";
inline constexpr std::size_t teams_text_max = 3000;  // summary and remediation
inline constexpr std::size_t teams_fact_max = 1000;  // each fact value

rendered render_teams(const engine::alert& a);

}  // namespace rootwatch::sinks
