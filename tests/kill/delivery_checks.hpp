#pragma once

// Checks over everything the receiver got during a kill test: expected alerts arrived, one id
// per alert, identical payloads on every redelivery, no removal while the assignment was there.

#include "fake/fake_receiver.hpp"
#include "kill/timeline.hpp"

#include <string>
#include <vector>

namespace rootwatch::kill {

struct delivery_counts {
  std::size_t deliveries = 0;    // POSTs the receiver recorded
  std::size_t accepted = 0;      // answered 2xx
  std::size_t refused = 0;       // answered otherwise (scripted 500 and 503)
  std::size_t alert_ids = 0;     // distinct alerts among them
  std::size_t redeliveries = 0;  // POSTs of an id after its first
  std::size_t duplicates = 0;    // 2xx answers to an id after its first 2xx
};

struct delivery_report {
  delivery_counts counts;
  std::vector<std::string> problems;
};

// The expected alerts that no 2xx delivery carries yet.
std::vector<expected_alert> missing(const expectations& expected, const std::vector<fake::delivery>& deliveries);

// Same id for the same alert (kind and assignment), identical payload on every delivery of an
// id, the same correlation key for created and removed, and no alert about an assignment
// before it was added or a removal before its removal began (less `tolerance`).
delivery_report check_deliveries(const std::vector<fake::delivery>& deliveries,
                                 const std::vector<assignment_span>& spans, milliseconds tolerance);

}  // namespace rootwatch::kill
