// Detection latency per alert kind: from the log record's time, or from createdOn, to commit.

#include "app/detection_latency.hpp"

#include <gtest/gtest.h>

namespace rootwatch::app {
namespace {

using namespace std::chrono_literals;

const timestamp committed = timestamp{} + 24h * 365 * 55;

engine::alert created(std::optional<timestamp> created_on) {
  engine::alert a;
  a.kind = std::string(engine::alert_kind::created);
  a.first_seen = committed - 1s;  // when rootwatch first saw it: not when it was made
  engine::assignment s;
  s.created_on = created_on;
  a.subject = s;
  return a;
}

TEST(detection_latency, an_elevation_counts_from_its_log_record) {
  engine::alert a;
  a.kind = std::string(engine::alert_kind::elevation);
  a.first_seen = committed - 90s;
  EXPECT_EQ(detection_latency(a, committed), 90.0);
}

TEST(detection_latency, a_created_assignment_counts_from_created_on) {
  EXPECT_EQ(detection_latency(created(committed - 2min), committed), 120.0);
  EXPECT_EQ(detection_latency(created(committed - 1500ms), committed), 1.5);
}

TEST(detection_latency, a_created_assignment_without_created_on_measures_nothing) {
  EXPECT_EQ(detection_latency(created(std::nullopt), committed), std::nullopt);
  engine::alert no_subject;
  no_subject.kind = std::string(engine::alert_kind::created);
  EXPECT_EQ(detection_latency(no_subject, committed), std::nullopt);
}

TEST(detection_latency, a_time_ahead_of_ours_counts_as_zero) {
  EXPECT_EQ(detection_latency(created(committed + 5s), committed), 0.0);
}

TEST(detection_latency, other_kinds_measure_no_detection) {
  for (const auto kind : {engine::alert_kind::removed, engine::alert_kind::lingering, engine::alert_kind::degraded}) {
    engine::alert a = created(committed - 1h);
    a.kind = std::string(kind);
    EXPECT_EQ(detection_latency(a, committed), std::nullopt) << kind;
  }
}

}  // namespace
}  // namespace rootwatch::app
