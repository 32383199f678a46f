// The config loader (config/load.cpp and the readers under it), for any file contents: what
// `rootwatch validate` and a SIGHUP reload read.
//   load_string never throws; it gives either settings and no problems, or problems and no
//   settings. Every problem names the file and has a message; accepted settings have a
//   tenant, and every bounded value is within the bounds the readers promise. Problem texts
//   are capped, valid UTF-8 and one line each.

#include "check.hpp"
#include "common/text.hpp"
#include "config/load.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rootwatch;
  const std::string_view text = fuzz::as_text(data, size);
  const config::load_result loaded = config::load_string(text, "fuzz.toml");
  FUZZ_CHECK(loaded.value.has_value() != !loaded.problems.empty(), "settings or problems, never both or neither");
  for (const config::problem& p : loaded.problems) {
    FUZZ_CHECK(p.file == "fuzz.toml", "a problem names the file");
    FUZZ_CHECK(!p.message.empty(), "a problem has a message");
    FUZZ_CHECK(p.line >= 0 && p.column >= 0, "a problem's position is not negative");
    // Defect 8: an error repeats at most a short, capped part of the file, on one line, so a
    // megabyte value or a forged line break never reaches the operator's terminal or log.
    const std::string shown = p.to_string();
    FUZZ_CHECK(shown.size() <= 1024, "a problem's text is capped");
    FUZZ_CHECK(is_valid_utf8(shown), "a problem's text is valid UTF-8");
    FUZZ_CHECK(shown.find_first_of("\r\n") == std::string::npos, "a problem's text is one line");
  }
  if (!loaded.value) {
    return 0;
  }
  using namespace std::chrono_literals;
  FUZZ_CHECK(!loaded.value->tenants.empty(), "accepted settings have a tenant");
  for (const config::tenant_settings& t : loaded.value->tenants) {
    FUZZ_CHECK(!t.name.empty(), "a tenant has a name");
    FUZZ_CHECK(t.poll_interval >= 1s && t.poll_interval <= 24h, "poll_interval is within 1s..24h");
    FUZZ_CHECK(t.request_timeout >= 1s && t.request_timeout <= 10min, "request_timeout is within 1s..10m");
    FUZZ_CHECK(t.degraded_after >= 1 && t.degraded_after <= 1000, "degraded_after is within 1..1000");
  }
  return 0;
}
