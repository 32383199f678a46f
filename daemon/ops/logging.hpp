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

// systemd sets $JOURNAL_STREAM to "<dev>:<inode>" of the stream it connected; stderr is the
// journal only when those match stderr's own.
bool stderr_is_journal(const std::optional<std::string>& journal_stream);

}  // namespace rootwatch::ops
