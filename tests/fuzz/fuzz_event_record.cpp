// Log records and actors as the store keeps them (store/event_json.cpp), for any bytes.
//   event_from_text and actor_from_text: never throw, whatever the stored column holds.
//   A record that reads is written and read again equal: event_from_text(event_text(e)) == e,
//   and writing it once more gives the same text; the same for an actor.
//   event_text of any event, with fields from the fuzzed bytes in any encoding: never throws,
//   is valid UTF-8 and reads back; equal to what was written when every field was valid UTF-8.

#include "check.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "store/event_json.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace {

using namespace rootwatch;
using engine::actor_ref;
using engine::audit_event;

void check_stored_event(std::string_view text) {
  const auto e = store::event_from_text(text);
  if (!e) {
    return;
  }
  const std::string written = store::event_text(*e);
  FUZZ_CHECK(is_valid_utf8(written), "a written record is valid UTF-8");
  const auto again = store::event_from_text(written);
  FUZZ_CHECK(again.has_value(), "a record read back and written again reads back");
  FUZZ_CHECK(*again == *e, "a record read back and written again reads back equal");
  FUZZ_CHECK(store::event_text(*again) == written, "writing it again gives the same text");
}

void check_stored_actor(std::string_view text) {
  const auto a = store::actor_from_text(text);
  if (!a) {
    return;
  }
  const std::string written = store::actor_text(*a);
  const auto again = store::actor_from_text(written);
  FUZZ_CHECK(again.has_value() && *again == *a, "an actor read back and written again reads back equal");
}

std::optional<std::string> maybe_text(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) {
    return std::nullopt;
  }
  return in.ConsumeRandomLengthString(40);
}

// Any time parse_iso8601 can read back: whole seconds one inside the clock's range on either
// side (system_clock counts nanoseconds in 64 bits), and any fraction.
timestamp any_time(FuzzedDataProvider& in) {
  constexpr std::int64_t limit = 9'223'372'035;
  const auto whole = std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-limit, limit)};
  const auto frac = std::chrono::nanoseconds{in.ConsumeIntegralInRange<std::int64_t>(0, 999'999'999)};
  return timestamp{std::chrono::duration_cast<timestamp::duration>(whole) + frac};
}

bool valid(const std::optional<std::string>& text) {
  return !text || is_valid_utf8(*text);
}

bool all_valid(const audit_event& e) {
  return is_valid_utf8(e.source) && is_valid_utf8(e.event_id) && is_valid_utf8(e.operation) &&
         is_valid_utf8(e.status) && valid(e.correlation_id) && valid(e.actor.id) && valid(e.actor.upn) &&
         valid(e.actor.app_id) && valid(e.actor.ip) && valid(e.assignment_id) && valid(e.scope) && valid(e.role_id) &&
         valid(e.principal_id);
}

// An event as the logs' parsers could hand it over, and as a corrupted one could look.
void check_written_event(FuzzedDataProvider& in) {
  audit_event e;
  e.source = in.ConsumeRandomLengthString(20);
  e.event_id = in.ConsumeRandomLengthString(40);
  e.operation = in.ConsumeRandomLengthString(30);
  e.status = in.ConsumeRandomLengthString(20);
  e.occurred_at = any_time(in);
  e.correlation_id = maybe_text(in);
  e.actor = actor_ref{maybe_text(in), maybe_text(in), maybe_text(in), maybe_text(in)};
  e.assignment_id = maybe_text(in);
  e.scope = maybe_text(in);
  e.role_id = maybe_text(in);
  e.principal_id = maybe_text(in);

  const std::string written = store::event_text(e);
  FUZZ_CHECK(is_valid_utf8(written), "a written record is valid UTF-8");
  const auto back = store::event_from_text(written);
  FUZZ_CHECK(back.has_value(), "every written record reads back");
  FUZZ_CHECK(back->occurred_at == e.occurred_at, "the time reads back exactly");
  FUZZ_CHECK(!all_valid(e) || *back == e, "a record in valid UTF-8 reads back equal");

  const std::string actor = store::actor_text(e.actor);
  const auto actor_back = store::actor_from_text(actor);
  FUZZ_CHECK(actor_back.has_value(), "every written actor reads back");
  FUZZ_CHECK(!all_valid(e) || *actor_back == e.actor, "an actor in valid UTF-8 reads back equal");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_stored_event(text);
  check_stored_actor(text);
  FuzzedDataProvider in(data, size);
  check_written_event(in);
  return 0;
}
