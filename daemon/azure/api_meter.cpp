#include "azure/api_meter.hpp"

#include <string>

namespace rootwatch::azure {
namespace {

constexpr std::array<std::string_view, 5> classes{"2xx", "3xx", "4xx", "5xx", "error"};

std::size_t class_index(const result<net::response>& outcome) {
  if (!outcome || outcome->status < 200 || outcome->status > 599) {
    return 4;
  }
  return static_cast<std::size_t>(outcome->status / 100 - 2);
}

metrics::value_ref requests(metrics& stats, std::string_view source, std::string_view code) {
  return stats.ref("rootwatch_api_requests_total", {{"source", std::string(source)}, {"code", std::string(code)}});
}

}  // namespace

std::string_view status_class(const result<net::response>& outcome) {
  return classes[class_index(outcome)];
}

api_meter::api_meter(metrics& stats, std::string_view source)
    : requests_{requests(stats, source, classes[0]), requests(stats, source, classes[1]),
                requests(stats, source, classes[2]), requests(stats, source, classes[3]),
                requests(stats, source, classes[4])},
      waits_(stats.ref("rootwatch_throttle_waits_total", {{"source", std::string(source)}})),
      waited_(stats.ref("rootwatch_throttle_wait_seconds_total", {{"source", std::string(source)}})) {}

void api_meter::answered(const result<net::response>& outcome) {
  requests_[class_index(outcome)].add();
}

void api_meter::throttled(milliseconds wait) {
  waits_.add();
  waited_.add(std::chrono::duration<double>(wait).count());
}

}  // namespace rootwatch::azure
