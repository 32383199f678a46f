#pragma once

// The lines the default spdlog logger writes while a log_capture is alive, from `level` up: for
// tests that check what the operator is told, and how often.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace rootwatch::testing_support {

class log_capture {
 public:
  explicit log_capture(spdlog::level::level_enum level = spdlog::level::info) : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  }
  ~log_capture() { spdlog::set_default_logger(previous_); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  // How many captured lines contain `needle`.
  int lines_with(const std::string& needle) const {
    std::istringstream in(out_.str());
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      n += line.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace rootwatch::testing_support
