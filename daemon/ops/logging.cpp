#include "ops/logging.hpp"

#include "common/json.hpp"
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

class journal_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    fmt::format_to(std::back_inserter(dest), "<{}>{}\n", journal_priority(msg.level),
                   std::string_view(msg.payload.data(), msg.payload.size()));
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
        {"message", std::string(msg.payload.data(), msg.payload.size())},
    };
    const std::string text = dump_tolerant(line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

}  // namespace

result<void> setup_logging(std::string_view level, log_style style) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return make_error(error_kind::config, fmt::format("unknown log level '{}'", level));
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("rootwatch", sink);
  switch (style) {
    case log_style::text:
      logger->set_formatter(
          std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc));
      break;
    case log_style::journal:
      logger->set_formatter(std::make_unique<journal_formatter>());
      break;
    case log_style::json:
      logger->set_formatter(std::make_unique<json_formatter>());
      break;
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return {};
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
