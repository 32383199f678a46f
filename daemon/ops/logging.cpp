#include "ops/logging.hpp"

#include "common/echo.hpp"
#include "common/json.hpp"
#include "common/secret_scrub.hpp"
#include "common/text.hpp"
#include "common/time.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fmt/format.h>

namespace rootwatch::ops {
namespace {

// sd-daemon(3) priorities.
int journal_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    case spdlog::level::critical:
      return 2;
    default:
      return 6;
  }
}

// Every log call goes through one of the formatters below, so this is the one place where
// text from outside is made safe to log, whatever the call site forgot: secrets removed
// (defence in depth: errors are scrubbed when built), and control characters escaped, so that
// a "\n" in an answer cannot end the line and forge the next one.
std::string safe_payload(const spdlog::details::log_msg& msg) {
  return escape_control(scrub_secrets(std::string_view(msg.payload.data(), msg.payload.size())));
}

class text_formatter final : public spdlog::formatter {
 public:
  text_formatter()
      : inner_(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v",
                                                           spdlog::pattern_time_type::utc)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string payload = safe_payload(msg);
    spdlog::details::log_msg safe = msg;
    safe.payload = spdlog::string_view_t(payload.data(), payload.size());
    inner_->format(safe, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<text_formatter>(); }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

class journal_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    fmt::format_to(std::back_inserter(dest), "<{}>{}\n", journal_priority(msg.level), safe_payload(msg));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<journal_formatter>(); }
};

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const json line = {
        {"time", format_iso8601(std::chrono::time_point_cast<timestamp::duration>(msg.time))},
        {"level",
         std::string(spdlog::level::to_string_view(msg.level).data(), spdlog::level::to_string_view(msg.level).size())},
        {"message", safe_payload(msg)},
    };
    const std::string text = dump_tolerant(line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(log_style style) {
  switch (style) {
    case log_style::text:
      return std::make_unique<text_formatter>();
    case log_style::journal:
      return std::make_unique<journal_formatter>();
    case log_style::json:
      return std::make_unique<json_formatter>();
  }
  return std::make_unique<text_formatter>();
}

result<void> setup_logging(std::string_view level, log_style style) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return make_error(error_kind::config, fmt::format("unknown log level '{}'", level));
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("rootwatch", sink);
  logger->set_formatter(make_log_formatter(style));
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

result<log_style> choose_log_style(std::optional<log_format_request> configured,
                                   const std::optional<std::string>& environment_value, log_stream stream) {
  log_format_request request = log_format_request::text;
  if (configured) {
    request = *configured;
  } else if (environment_value && !environment_value->empty()) {
    if (*environment_value == "text") {
      request = log_format_request::text;
    } else if (*environment_value == "json") {
      request = log_format_request::json;
    } else if (*environment_value == "auto") {
      request = log_format_request::automatic;
    } else {
      const std::string shown = echo_value(*environment_value);
      return make_error(error_kind::config,
                        fmt::format("ROOTWATCH_LOG_FORMAT {}: use text, json or auto (or set log_format in the "
                                    "configuration)",
                                    shown.empty() ? std::string("has an unknown value") : "is " + shown));
    }
  }
  switch (request) {
    case log_format_request::json:
      return log_style::json;
    case log_format_request::text:
      return stream.journal ? log_style::journal : log_style::text;
    case log_format_request::automatic:
      break;
  }
  if (stream.journal) {
    return log_style::journal;
  }
  return stream.terminal ? log_style::text : log_style::json;
}

bool stderr_is_journal(const std::optional<std::string>& journal_stream) {
  if (!journal_stream) {
    return false;
  }
  struct stat st {};
  if (fstat(2, &st) != 0) {
    return false;
  }
  return *journal_stream == fmt::format("{}:{}", st.st_dev, st.st_ino);
}

}  // namespace rootwatch::ops
