#pragma once

// A Slack incoming-webhook message with a Block Kit layout: a header with the severity and the
// kind, a section with the key facts, a section with the remediation command in a code block,
// and a context line with the alert id. "text" is the fallback that notifications show. Pure.
//
// Text from outside (display names, UPNs, details) is escaped for mrkdwn ("&", "<", ">"), so
// that it can neither ping a channel ("<!channel>") nor forge a link, and every text is cut on
// a code-point boundary under Slack's limits.
//
// Slack accepts about one message per second per webhook, with short bursts; above that it
// answers 429 with Retry-After, which the dispatcher honours (see min_send_interval in
// render.hpp).

#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace rootwatch::sinks {

inline constexpr std::size_t slack_header_max = 150;    // header block plain_text
inline constexpr std::size_t slack_section_max = 3000;  // section and context text
inline constexpr milliseconds slack_min_interval{1000};

// "&", "<" and ">" as &amp; &lt; &gt;: the only characters Slack asks to escape.
std::string slack_escape(std::string_view text);

// `escaped` (already escaped) cut to at most `max_bytes` bytes, marker included, on a
// code-point boundary and never inside an entity such as "&amp;".
std::string slack_cut(std::string_view escaped, std::size_t max_bytes);

rendered render_slack(const engine::alert& a);

}  // namespace rootwatch::sinks
