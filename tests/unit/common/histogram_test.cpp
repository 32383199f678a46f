// The histogram type and how /metrics writes it: `le` edges are inclusive, +Inf holds every
// observation, and _bucket/_sum/_count come out exactly as Prometheus reads them.

#include "common/histogram.hpp"
#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace rootwatch {
namespace {

TEST(histogram, an_observation_on_an_edge_counts_in_that_bucket) {
  histogram h({1, 5, 10});
  h.observe(1);
  h.observe(5);
  h.observe(10);
  EXPECT_EQ(h.cumulative(0), 1u);  // le="1"
  EXPECT_EQ(h.cumulative(1), 2u);  // le="5"
  EXPECT_EQ(h.cumulative(2), 3u);  // le="10"
  EXPECT_EQ(h.cumulative(3), 3u);  // +Inf
}

TEST(histogram, just_above_an_edge_goes_to_the_next_bucket_and_beyond_the_last_to_inf) {
  histogram h({1, 5});
  h.observe(std::nextafter(1.0, 2.0));
  h.observe(5.5);
  h.observe(1e9);
  EXPECT_EQ(h.cumulative(0), 0u);
  EXPECT_EQ(h.cumulative(1), 1u);
  EXPECT_EQ(h.cumulative(2), 3u);
  EXPECT_EQ(h.count(), 3u);
}

TEST(histogram, below_the_first_edge_and_negative_values_count_in_the_first_bucket) {
  histogram h({0.5, 1});
  h.observe(0);
  h.observe(-2);
  EXPECT_EQ(h.cumulative(0), 2u);
  EXPECT_DOUBLE_EQ(h.sum(), -2);
}

TEST(histogram, sum_and_count_add_up_every_observation) {
  histogram h({1});
  h.observe(0.25);
  h.observe(0.5);
  h.observe(3);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_DOUBLE_EQ(h.sum(), 3.75);
}

TEST(histogram, infinity_counts_in_inf_only_and_nan_is_left_out) {
  histogram h({1});
  h.observe(std::numeric_limits<double>::infinity());
  h.observe(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(h.cumulative(0), 0u);
  EXPECT_EQ(h.cumulative(1), 1u);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_TRUE(std::isinf(h.sum()));
}

TEST(histogram, edges_out_of_order_repeated_or_not_finite_are_dropped) {
  histogram h({1, 1, 0.5, 2, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), 3});
  EXPECT_EQ(h.upper_bounds(), (std::vector<double>{1, 2, 3}));
}

TEST(histogram, no_edges_is_a_single_inf_bucket) {
  histogram h({});
  h.observe(7);
  EXPECT_EQ(h.cumulative(0), 1u);
  EXPECT_EQ(h.count(), 1u);
}

TEST(histogram_exposition, buckets_sum_and_count_are_written_exactly) {
  metrics m;
  m.describe_histogram("rootwatch_delivery_latency_seconds", "Queued to delivered, per sink.", {0.1, 1, 2.5, 3600});
  m.observe("rootwatch_delivery_latency_seconds", {{"sink", "soc"}}, 0.1);
  m.observe("rootwatch_delivery_latency_seconds", {{"sink", "soc"}}, 2);
  m.observe("rootwatch_delivery_latency_seconds", {{"sink", "soc"}}, 7200);
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_delivery_latency_seconds Queued to delivered, per sink.\n"
            "# TYPE rootwatch_delivery_latency_seconds histogram\n"
            "rootwatch_delivery_latency_seconds_bucket{sink=\"soc\",le=\"0.1\"} 1\n"
            "rootwatch_delivery_latency_seconds_bucket{sink=\"soc\",le=\"1\"} 1\n"
            "rootwatch_delivery_latency_seconds_bucket{sink=\"soc\",le=\"2.5\"} 2\n"
            "rootwatch_delivery_latency_seconds_bucket{sink=\"soc\",le=\"3600\"} 2\n"
            "rootwatch_delivery_latency_seconds_bucket{sink=\"soc\",le=\"+Inf\"} 3\n"
            "rootwatch_delivery_latency_seconds_sum{sink=\"soc\"} 7202.1\n"
            "rootwatch_delivery_latency_seconds_count{sink=\"soc\"} 3\n");
}

TEST(histogram_exposition, an_unlabelled_series_has_only_le_and_bare_sum_and_count) {
  metrics m;
  m.describe_histogram("rootwatch_x_seconds", "X.", {1});
  m.observe("rootwatch_x_seconds", {}, 0.5);
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_x_seconds X.\n"
            "# TYPE rootwatch_x_seconds histogram\n"
            "rootwatch_x_seconds_bucket{le=\"1\"} 1\n"
            "rootwatch_x_seconds_bucket{le=\"+Inf\"} 1\n"
            "rootwatch_x_seconds_sum 0.5\n"
            "rootwatch_x_seconds_count 1\n");
}

TEST(histogram_exposition, each_label_set_is_its_own_series_with_the_family_edges) {
  metrics m;
  m.describe_histogram("rootwatch_x_seconds", "X.", {1});
  m.histogram_ref("rootwatch_x_seconds", {{"source", "arm"}}).observe(2);
  m.histogram_ref("rootwatch_x_seconds", {{"source", "resource_graph"}}).observe(0.5);
  m.histogram_ref("rootwatch_x_seconds", {{"source", "arm"}}).observe(0.5);
  ASSERT_NE(m.find_histogram("rootwatch_x_seconds", {{"source", "arm"}}), nullptr);
  EXPECT_EQ(m.find_histogram("rootwatch_x_seconds", {{"source", "arm"}})->count(), 2u);
  EXPECT_EQ(m.find_histogram("rootwatch_x_seconds", {{"source", "entra_audit"}}), nullptr);
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_x_seconds X.\n"
            "# TYPE rootwatch_x_seconds histogram\n"
            "rootwatch_x_seconds_bucket{source=\"arm\",le=\"1\"} 1\n"
            "rootwatch_x_seconds_bucket{source=\"arm\",le=\"+Inf\"} 2\n"
            "rootwatch_x_seconds_sum{source=\"arm\"} 2.5\n"
            "rootwatch_x_seconds_count{source=\"arm\"} 2\n"
            "rootwatch_x_seconds_bucket{source=\"resource_graph\",le=\"1\"} 1\n"
            "rootwatch_x_seconds_bucket{source=\"resource_graph\",le=\"+Inf\"} 1\n"
            "rootwatch_x_seconds_sum{source=\"resource_graph\"} 0.5\n"
            "rootwatch_x_seconds_count{source=\"resource_graph\"} 1\n");
}

TEST(histogram_exposition, a_described_histogram_without_observations_has_only_its_header) {
  metrics m;
  m.describe_histogram("rootwatch_x_seconds", "X.", {1});
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_x_seconds X.\n"
            "# TYPE rootwatch_x_seconds histogram\n");
}

TEST(metrics_refs, a_value_ref_updates_the_series_it_was_taken_for) {
  metrics m;
  auto ok = m.ref("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "2xx"}});
  ok.add();
  ok.add(2);
  EXPECT_EQ(m.value("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "2xx"}}), 3);
  // Later families and series do not move it.
  for (int i = 0; i < 100; ++i) {
    m.add("rootwatch_other_total", {{"n", std::to_string(i)}});
  }
  ok.add();
  EXPECT_EQ(ok.value(), 4);
  m.add("rootwatch_api_requests_total", {{"source", "arm"}, {"code", "2xx"}});
  EXPECT_EQ(ok.value(), 5);
}

TEST(metrics_computed, a_computed_gauge_is_read_at_exposition_and_left_out_when_unknown) {
  metrics m;
  m.describe("rootwatch_outbox_oldest_pending_age_seconds", metrics::type::gauge, "Age.");
  std::optional<double> age = 12.5;
  m.set_computed("rootwatch_outbox_oldest_pending_age_seconds", {{"sink", "soc"}}, [&age] { return age; });
  EXPECT_NE(m.exposition().find("rootwatch_outbox_oldest_pending_age_seconds{sink=\"soc\"} 12.5\n"), std::string::npos);
  age = 30;
  EXPECT_NE(m.exposition().find("rootwatch_outbox_oldest_pending_age_seconds{sink=\"soc\"} 30\n"), std::string::npos);
  age.reset();
  EXPECT_EQ(m.exposition().find("rootwatch_outbox_oldest_pending_age_seconds{"), std::string::npos);
  age = 1;
  m.remove_computed("rootwatch_outbox_oldest_pending_age_seconds", {{"sink", "soc"}});
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_outbox_oldest_pending_age_seconds Age.\n"
            "# TYPE rootwatch_outbox_oldest_pending_age_seconds gauge\n");
}

TEST(metrics_values, special_values_are_written_as_prometheus_spells_them) {
  metrics m;
  m.describe("rootwatch_g", metrics::type::gauge, "G.");
  m.set("rootwatch_g", {{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  m.set("rootwatch_g", {{"v", "pinf"}}, std::numeric_limits<double>::infinity());
  m.set("rootwatch_g", {{"v", "ninf"}}, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_g G.\n"
            "# TYPE rootwatch_g gauge\n"
            "rootwatch_g{v=\"nan\"} NaN\n"
            "rootwatch_g{v=\"ninf\"} -Inf\n"
            "rootwatch_g{v=\"pinf\"} +Inf\n");
}

}  // namespace
}  // namespace rootwatch
