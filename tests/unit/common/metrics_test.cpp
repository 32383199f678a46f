#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch {
namespace {

TEST(metrics, a_described_counter_has_help_and_type_lines) {
  metrics m;
  m.describe("rootwatch_cycles_total", metrics::type::counter, "Watch cycles run, by result.");
  m.add("rootwatch_cycles_total", {{"tenant", "contoso"}, {"result", "ok"}});
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_cycles_total Watch cycles run, by result.\n"
            "# TYPE rootwatch_cycles_total counter\n"
            "rootwatch_cycles_total{tenant=\"contoso\",result=\"ok\"} 1\n");
}

TEST(metrics, a_described_gauge_is_typed_gauge) {
  metrics m;
  m.describe("rootwatch_outbox_pending", metrics::type::gauge, "Alerts waiting for delivery.");
  m.set("rootwatch_outbox_pending", {{"sink", "soc"}}, 3);
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_outbox_pending Alerts waiting for delivery.\n"
            "# TYPE rootwatch_outbox_pending gauge\n"
            "rootwatch_outbox_pending{sink=\"soc\"} 3\n");
}

TEST(metrics, an_undescribed_metric_is_a_counter_without_help) {
  metrics m;
  m.add("rootwatch_deliveries_total");
  EXPECT_EQ(m.exposition(),
            "# TYPE rootwatch_deliveries_total counter\n"
            "rootwatch_deliveries_total 1\n");
}

TEST(metrics, a_family_described_but_never_set_has_only_its_header) {
  metrics m;
  m.describe("rootwatch_alerts_dead_total", metrics::type::counter, "Alerts given up on.");
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_alerts_dead_total Alerts given up on.\n"
            "# TYPE rootwatch_alerts_dead_total counter\n");
}

TEST(metrics, describing_after_use_keeps_the_values) {
  metrics m;
  m.add("rootwatch_x_total", {}, 2);
  m.describe("rootwatch_x_total", metrics::type::counter, "X.");
  EXPECT_EQ(m.value("rootwatch_x_total"), 2);
  EXPECT_NE(m.exposition().find("# HELP rootwatch_x_total X.\n"), std::string::npos);
}

TEST(metrics, label_values_escape_quotes_backslashes_and_newlines) {
  metrics m;
  m.add("rootwatch_errors_total", {{"reason", "say \"hi\"\\path\nnext"}});
  EXPECT_EQ(m.exposition(),
            "# TYPE rootwatch_errors_total counter\n"
            "rootwatch_errors_total{reason=\"say \\\"hi\\\"\\\\path\\nnext\"} 1\n");
}

TEST(metrics, label_values_keep_other_characters_as_they_are) {
  metrics m;
  m.add("rootwatch_errors_total", {{"tenant", "Zoë's tenant {1}, =ok"}});
  EXPECT_EQ(m.exposition(),
            "# TYPE rootwatch_errors_total counter\n"
            "rootwatch_errors_total{tenant=\"Zoë's tenant {1}, =ok\"} 1\n");
}

TEST(metrics, counters_add_up_per_label_set) {
  metrics m;
  m.add("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "delivered"}});
  m.add("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "delivered"}}, 2);
  m.add("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "failed"}});
  m.add("rootwatch_deliveries_total", {{"sink", "pager"}, {"result", "delivered"}}, 0.5);
  EXPECT_EQ(m.value("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "delivered"}}), 3);
  EXPECT_EQ(m.value("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "failed"}}), 1);
  EXPECT_EQ(m.value("rootwatch_deliveries_total", {{"sink", "pager"}, {"result", "delivered"}}), 0.5);
  EXPECT_EQ(m.exposition(),
            "# TYPE rootwatch_deliveries_total counter\n"
            "rootwatch_deliveries_total{sink=\"pager\",result=\"delivered\"} 0.5\n"
            "rootwatch_deliveries_total{sink=\"soc\",result=\"delivered\"} 3\n"
            "rootwatch_deliveries_total{sink=\"soc\",result=\"failed\"} 1\n");
}

TEST(metrics, gauges_are_set_not_added) {
  metrics m;
  m.describe("rootwatch_tenant_up", metrics::type::gauge, "1 while the tenant is watched.");
  m.set("rootwatch_tenant_up", {{"tenant", "contoso"}}, 1);
  m.set("rootwatch_tenant_up", {{"tenant", "contoso"}}, 0);
  EXPECT_EQ(m.value("rootwatch_tenant_up", {{"tenant", "contoso"}}), 0);
  m.set("rootwatch_tenant_up", {{"tenant", "contoso"}}, 1);
  EXPECT_EQ(m.value("rootwatch_tenant_up", {{"tenant", "contoso"}}), 1);
  EXPECT_NE(m.exposition().find("rootwatch_tenant_up{tenant=\"contoso\"} 1\n"), std::string::npos);
}

TEST(metrics, large_and_fractional_values_are_written_as_numbers) {
  metrics m;
  m.set("rootwatch_last_success_timestamp_seconds", {}, 1739268000);
  m.set("rootwatch_cycle_duration_seconds", {}, 0.25);
  const auto text = m.exposition();
  EXPECT_NE(text.find("rootwatch_last_success_timestamp_seconds 1739268000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rootwatch_cycle_duration_seconds 0.25\n"), std::string::npos) << text;
}

TEST(metrics, an_unknown_metric_or_label_set_reads_zero) {
  metrics m;
  EXPECT_EQ(m.value("rootwatch_missing_total"), 0);
  m.add("rootwatch_known_total", {{"sink", "soc"}});
  EXPECT_EQ(m.value("rootwatch_known_total"), 0);
  EXPECT_EQ(m.value("rootwatch_known_total", {{"sink", "other"}}), 0);
  EXPECT_EQ(m.value("rootwatch_known_total", {{"sink", "soc"}}), 1);
}

TEST(metrics, families_are_written_in_name_order_each_with_one_header) {
  metrics m;
  m.add("rootwatch_b_total", {{"x", "1"}});
  m.add("rootwatch_a_total");
  m.add("rootwatch_b_total", {{"x", "2"}});
  EXPECT_EQ(m.exposition(),
            "# TYPE rootwatch_a_total counter\n"
            "rootwatch_a_total 1\n"
            "# TYPE rootwatch_b_total counter\n"
            "rootwatch_b_total{x=\"1\"} 1\n"
            "rootwatch_b_total{x=\"2\"} 1\n");
}

TEST(metrics, refs_stay_valid_when_other_series_and_families_are_added) {
  metrics m;
  auto hits = m.ref("rootwatch_hits_total", {{"source", "arm"}});
  auto& latency = m.histogram_ref("rootwatch_latency_seconds", {{"source", "arm"}});
  hits.add();
  latency.observe(0.5);
  // Enough new series and families to rebalance and grow every container inside.
  for (int i = 0; i < 500; ++i) {
    m.add("rootwatch_hits_total", {{"source", "s" + std::to_string(i)}});
    m.add("rootwatch_family_" + std::to_string(i) + "_total");
    m.observe("rootwatch_latency_seconds", {{"source", "s" + std::to_string(i)}}, 1);
  }
  hits.add(2);
  latency.observe(1.5);
  EXPECT_EQ(m.value("rootwatch_hits_total", {{"source", "arm"}}), 3);
  EXPECT_EQ(hits.value(), 3);
  const auto* h = m.find_histogram("rootwatch_latency_seconds", {{"source", "arm"}});
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->count(), 2u);
  EXPECT_EQ(h->sum(), 2);
  EXPECT_NE(m.exposition().find("rootwatch_hits_total{source=\"arm\"} 3\n"), std::string::npos);
}

TEST(metrics, histograms_are_written_bucket_by_bucket_each_series_with_its_own_edges) {
  metrics m;
  // A series made before its family is described keeps the edges it was made with.
  m.observe("rootwatch_wait_seconds", {{"sink", "early"}}, 7);
  m.describe_histogram("rootwatch_wait_seconds", "Waits.", {0.25, 1});
  m.observe("rootwatch_wait_seconds", {{"sink", "soc"}}, 0.5);
  m.observe("rootwatch_wait_seconds", {{"sink", "soc"}}, 3);
  EXPECT_EQ(m.exposition(),
            "# HELP rootwatch_wait_seconds Waits.\n"
            "# TYPE rootwatch_wait_seconds histogram\n"
            "rootwatch_wait_seconds_bucket{sink=\"early\",le=\"+Inf\"} 1\n"
            "rootwatch_wait_seconds_sum{sink=\"early\"} 7\n"
            "rootwatch_wait_seconds_count{sink=\"early\"} 1\n"
            "rootwatch_wait_seconds_bucket{sink=\"soc\",le=\"0.25\"} 0\n"
            "rootwatch_wait_seconds_bucket{sink=\"soc\",le=\"1\"} 1\n"
            "rootwatch_wait_seconds_bucket{sink=\"soc\",le=\"+Inf\"} 2\n"
            "rootwatch_wait_seconds_sum{sink=\"soc\"} 3.5\n"
            "rootwatch_wait_seconds_count{sink=\"soc\"} 2\n");
}

TEST(metrics, an_empty_registry_writes_nothing) {
  EXPECT_EQ(metrics{}.exposition(), "");
}

}  // namespace
}  // namespace rootwatch
