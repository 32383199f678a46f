#include "sinks/url_file.hpp"

#include "common/secret_scrub.hpp"
#include "net/url.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rootwatch::sinks {
namespace {

constexpr std::size_t max_url_file_bytes = 64 * 1024;

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

url_file::url_file(std::string path, std::string url) : path_(std::move(path)), url_(std::move(url)) {}

result<std::string> url_file::current() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    valid_ = false;
    return make_error(error_kind::config, fmt::format("cannot read url_file {}: {}", path_, std::strerror(errno)),
                      true);
  }
  const signature now{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                      static_cast<std::int64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  if (valid_ && now == seen_) {
    return url_;
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    valid_ = false;
    return make_error(error_kind::config, fmt::format("cannot read url_file {}: {}", path_, std::strerror(errno)),
                      true);
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (content.str().size() > max_url_file_bytes) {
    valid_ = false;
    return make_error(error_kind::config, fmt::format("url_file {} is larger than 64 KiB", path_), true);
  }
  std::string url = trimmed(content.str());
  // Registered before anything can echo it: a receiver that repeats the URL has it scrubbed.
  register_url_secrets(url);
  if (url.empty()) {
    valid_ = false;
    return make_error(error_kind::config, fmt::format("url_file {} is empty", path_), true);
  }
  if (auto parsed = net::parse_https_url(url); !parsed) {
    valid_ = false;
    return make_error(error_kind::config, fmt::format("url_file {} does not hold an https URL", path_), true);
  }
  url_ = std::move(url);
  seen_ = now;
  valid_ = true;
  return url_;
}

}  // namespace rootwatch::sinks
