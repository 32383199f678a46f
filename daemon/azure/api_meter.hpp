#pragma once

// The Azure API metrics of one source (arm, resource_graph, activity_log, entra_audit, and
// directory_objects for principal names): every attempt by status class, and every wait
// Azure asked for (429, Retry-After, Resource Graph's quota headers). The series are looked
// up once, when the client is built; a request only adds to them.

#include "common/metrics.hpp"
#include "net/exchange_observer.hpp"

#include <array>
#include <string_view>

namespace rootwatch::azure {

// "2xx" … "5xx" for an answer, "error" when none arrived whole (or its status is outside
// 200–599): the `code` label of rootwatch_api_requests_total.
std::string_view status_class(const result<net::response>& outcome);

class api_meter final : public net::exchange_observer {
 public:
  api_meter(metrics& stats, std::string_view source);

  void answered(const result<net::response>& outcome) override;
  void throttled(milliseconds wait) override;

 private:
  std::array<metrics::value_ref, 5> requests_;  // 2xx, 3xx, 4xx, 5xx, error
  metrics::value_ref waits_;
  metrics::value_ref waited_;
};

}  // namespace rootwatch::azure
