#pragma once

// A sink URL kept in a file (url_file), read when a delivery starts rather than only at load:
// the example configuration promises that secrets are read when they are used, so a rotated
// webhook URL takes effect without a reload. The file is read again only when its inode, size
// or modification time changed, so the cost per delivery is one stat().

#include "common/error.hpp"

#include <cstdint>
#include <string>

namespace rootwatch::sinks {

class url_file {
 public:
  // `path` as resolved at load (CREDENTIALS_DIRECTORY already applied); `url` what was read then.
  url_file(std::string path, std::string url);

  // The URL the file holds now. An unreadable, empty or non-https file is a retryable error whose
  // message names the file, never its content (invariant 5).
  result<std::string> current();

 private:
  struct signature {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = -1;
    std::int64_t mtime_ns = 0;
    bool operator==(const signature&) const = default;
  };

  std::string path_;
  std::string url_;
  signature seen_{};
  bool valid_ = false;  // false: read it on the next call whatever stat() says
};

}  // namespace rootwatch::sinks
