// The Azure API metrics of one source: every attempt counted by status class, every wait
// Azure asked for counted with its seconds.

#include "azure/api_meter.hpp"

#include <gtest/gtest.h>

namespace rootwatch::azure {
namespace {

result<net::response> answer(int status) {
  net::response r;
  r.status = status;
  return r;
}

TEST(api_meter, status_classes_cover_every_status_and_no_answer) {
  EXPECT_EQ(status_class(answer(200)), "2xx");
  EXPECT_EQ(status_class(answer(299)), "2xx");
  EXPECT_EQ(status_class(answer(304)), "3xx");
  EXPECT_EQ(status_class(answer(401)), "4xx");
  EXPECT_EQ(status_class(answer(429)), "4xx");
  EXPECT_EQ(status_class(answer(500)), "5xx");
  EXPECT_EQ(status_class(answer(599)), "5xx");
  EXPECT_EQ(status_class(answer(199)), "error");
  EXPECT_EQ(status_class(answer(600)), "error");
  EXPECT_EQ(status_class(answer(0)), "error");
  EXPECT_EQ(status_class(result<net::response>{make_error(error_kind::timeout, "no answer", true)}), "error");
}

TEST(api_meter, counts_attempts_per_source_and_class_from_zero) {
  metrics m;
  api_meter arm(m, "arm");
  api_meter graph(m, "resource_graph");
  // Every class exists from the start, at 0, so that a rate over it is defined.
  EXPECT_NE(m.exposition().find("rootwatch_api_requests_total{source=\"arm\",code=\"5xx\"} 0\n"), std::string::npos);
  arm.answered(answer(200));
  arm.answered(answer(200));
  arm.answered(answer(503));
  graph.answered(result<net::response>{make_error(error_kind::network, "reset", true)});
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "2xx"}}), 2);
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "5xx"}}), 1);
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "error"}}), 0);
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "resource_graph"}, {"code", "error"}}), 1);
}

TEST(api_meter, two_clients_of_one_source_add_to_the_same_series) {
  metrics m;
  api_meter a(m, "arm");
  api_meter b(m, "arm");
  a.answered(answer(200));
  b.answered(answer(200));
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "2xx"}}), 2);
}

TEST(api_meter, throttling_waits_are_counted_with_their_seconds) {
  metrics m;
  api_meter graph(m, "entra_audit");
  graph.throttled(milliseconds{1'500});
  graph.throttled(milliseconds{500});
  EXPECT_EQ(m.value("rootwatch_throttle_waits_total", {{"source", "entra_audit"}}), 2);
  EXPECT_DOUBLE_EQ(m.value("rootwatch_throttle_wait_seconds_total", {{"source", "entra_audit"}}), 2.0);
}

}  // namespace
}  // namespace rootwatch::azure
