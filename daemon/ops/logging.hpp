#pragma once

#include "common/error.hpp"

#include <spdlog/formatter.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::ops {

enum class log_style {
  text,     // "2026-01-02T03:04:05.678Z info  message" for terminals and files
  journal,  // "<6>message": stderr is the journal, which adds time and host itself
  json,     // one JSON object per line for log shippers
};

// The formatter of a style. Every one of them removes known secrets, bearer tokens and JWTs
// from the message and escapes control characters in it, so that one log call is one line
// whatever text from outside it carries.
std::unique_ptr<spdlog::formatter> make_log_formatter(log_style style);

// The default logger writes to stderr only. `level`: trace|debug|info|warn|error.
result<void> setup_logging(std::string_view level, log_style style);

// What the configuration's log_format or $ROOTWATCH_LOG_FORMAT asks for.
enum class log_format_request { text, json, automatic };

// Where stderr goes, as far as the style is concerned.
struct log_stream {
  bool journal = false;   // stderr_is_journal()
  bool terminal = false;  // isatty(2)
};

// The style. The file's log_format wins when it sets one; otherwise $ROOTWATCH_LOG_FORMAT
// ("text", "json" or "auto"; unset or empty: text, the documented default), which lets a
// container image make JSON its default without changing what a config file means. text under
// the journal is the journal's own style (priority prefixes); automatic is journal under the
// journal, text on a terminal and json otherwise (a container's log driver, a file, a pipe).
// An environment value that is none of those is an error naming the variable.
result<log_style> choose_log_style(std::optional<log_format_request> configured,
                                   const std::optional<std::string>& environment_value, log_stream stream);

// systemd sets $JOURNAL_STREAM to "<dev>:<inode>" of the stream it connected; stderr is the
// journal only when those match stderr's own.
bool stderr_is_journal(const std::optional<std::string>& journal_stream);

}  // namespace rootwatch::ops
