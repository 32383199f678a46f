// Issue 7, "no alert may be swallowed by the outbox": a sink added by SIGHUP receives the
// alerts already firing, and alerts raised while no sink is configured are kept for the first
// sink added.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

namespace rootwatch::e2e {
namespace {

// Deliveries of `kind` accepted at the receiver's URL with `query` ("" for none).
std::vector<fake::delivery> accepted_at(const std::vector<fake::delivery>& all, const std::string& kind,
                                        const std::string& query) {
  std::vector<fake::delivery> out;
  for (auto& d : accepted(all, kind)) {
    const auto q = d.target.find('?');
    const std::string got = q == std::string::npos ? std::string{} : d.target.substr(q + 1);
    if (got == query) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::string second_sink(environment& env) {
  return "[[sink]]\nname = \"pager\"\nkind = \"webhook\"\nurl = \"" + env.receiver().url() +
         "?pager\"\nretry_initial_backoff = \"200ms\"\nretry_max_backoff = \"1s\"\nsigning_secret_file = \"" +
         (env.dir() / "signing.key").string() + "\"\n";
}

// The written config without its [[sink]] table: rootwatch runs with no sink at all.
void drop_sinks(environment& env) {
  std::ifstream in(env.config_path());
  std::stringstream text;
  text << in.rdbuf();
  const std::string config = text.str();
  const auto at = config.find("[[sink]]");
  ASSERT_NE(at, std::string::npos);
  std::ofstream(env.config_path(), std::ios::trunc) << config.substr(0, at);
}

bool reloaded(const child& daemon, std::size_t times) {
  const std::string err = daemon.err();
  std::size_t n = 0;
  for (auto pos = err.find("configuration reloaded"); pos != std::string::npos;
       pos = err.find("configuration reloaded", pos + 1)) {
    ++n;
  }
  return n >= times;
}

TEST(outbox_holes, a_sink_added_by_sighup_receives_what_fires_already) {
  environment env;
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return !accepted_at(d, "assignment.created", "").empty(); },
                                      wait_long))
      << daemon.err();

  env.write_config("1s", "alert", {}, second_sink(env));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloaded(daemon, 1); })) << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& d) { return !accepted_at(d, "assignment.created", "pager").empty(); }, wait_long))
      << daemon.err();

  const auto all = env.receiver().deliveries();
  const auto soc = accepted_at(all, "assignment.created", "");
  const auto pager = accepted_at(all, "assignment.created", "pager");
  ASSERT_EQ(soc.size(), 1u) << "the first sink had it: not sent again";
  ASSERT_EQ(pager.size(), 1u);
  EXPECT_EQ((*pager[0].body_json)["id"], (*soc[0].body_json)["id"]) << "the same alert, by its id";
  EXPECT_EQ((*pager[0].body_json)["correlation_key"], (*soc[0].body_json)["correlation_key"]);
  EXPECT_EQ(pager[0].signature_valid, std::optional<bool>{true});

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(outbox_holes, alerts_raised_without_a_sink_go_to_the_sink_added_later) {
  environment env;
  env.write_config("1s");
  drop_sinks(env);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("ALERT assignment.created") != std::string::npos; }))
      << daemon.err();

  env.write_config("1s");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloaded(daemon, 1); })) << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return !accepted_at(d, "assignment.created", "").empty(); },
                                      wait_long))
      << daemon.err();
  const auto created = accepted_at(env.receiver().deliveries(), "assignment.created", "");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ((*created[0].body_json)["assignment"]["scope"], "/");
  EXPECT_EQ(created[0].signature_valid, std::optional<bool>{true});

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

// Raised and resolved while no sink listened: nothing fires any more, yet both alerts reach
// the sink added later, the creation first.
TEST(outbox_holes, an_elevation_raised_and_resolved_without_a_sink_is_still_delivered) {
  environment env;
  env.write_config("1s");
  drop_sinks(env);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto name = env.elevate();
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("ALERT assignment.created") != std::string::npos; }))
      << daemon.err();
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("ALERT assignment.removed") != std::string::npos; }))
      << daemon.err();

  env.write_config("1s");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return reloaded(daemon, 1); })) << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return !accepted_at(d, "assignment.removed", "").empty(); },
                                      wait_long))
      << daemon.err();
  const auto all = env.receiver().deliveries();
  const auto created = accepted_at(all, "assignment.created", "");
  const auto removed = accepted_at(all, "assignment.removed", "");
  ASSERT_EQ(created.size(), 1u);
  ASSERT_EQ(removed.size(), 1u);
  // Received in this order (the receiver records deliveries as they come).
  const auto position = [&all](const std::string& kind) {
    const auto it = std::find_if(all.begin(), all.end(), [&kind](const fake::delivery& d) {
      return d.status >= 200 && d.status < 300 && d.body_json && d.body_json->value("kind", "") == kind;
    });
    return it - all.begin();
  };
  EXPECT_LT(position("assignment.created"), position("assignment.removed"));
  EXPECT_EQ((*created[0].body_json)["correlation_key"], (*removed[0].body_json)["correlation_key"]);

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
