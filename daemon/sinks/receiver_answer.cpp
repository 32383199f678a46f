#include "sinks/receiver_answer.hpp"

#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

namespace rootwatch::sinks {

std::string answer_excerpt(std::string_view body, std::size_t max_bytes) {
  std::string_view line;
  while (!body.empty()) {
    const auto end = body.find_first_of("\r\n");
    line = trim(body.substr(0, end));
    if (!line.empty() || end == std::string_view::npos) {
      break;
    }
    body.remove_prefix(end + 1);
  }
  // Scrubbed before it is cut, so that half a secret cannot survive the cut.
  return cut_utf8(escape_control(scrub_secrets(line)), max_bytes);
}

}  // namespace rootwatch::sinks
