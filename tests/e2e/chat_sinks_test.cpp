// Slack, Teams and PagerDuty end to end: one daemon with a slack, a teams and a pagerduty sink
// on a receiver that checks no signature (these receivers check none); an elevation, then its
// removal. Each sink gets its receiver's shape; PagerDuty gets a trigger, then a resolve with
// the same dedup_key, and its routing key never reaches the log.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace rootwatch::e2e {
namespace {

const std::string routing_key = "R0UT1NGk3y0123456789abcdefABCDEF";

std::string sink_of(const fake::delivery& d) {
  const auto q = d.target.find("?sink=");
  return q == std::string::npos ? "" : d.target.substr(q + 6);
}

std::vector<fake::delivery> accepted_for(const std::vector<fake::delivery>& all, const std::string& sink) {
  std::vector<fake::delivery> out;
  for (const auto& d : all) {
    if (d.status >= 200 && d.status < 300 && sink_of(d) == sink) {
      out.push_back(d);
    }
  }
  return out;
}

// The chat receivers check no Standard Webhooks signature, so they get a receiver of their own
// without a secret, under a CA of its own that the daemon's ca_file also trusts.
struct chat_receiver {
  fake::test_ca ca = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver;

  explicit chat_receiver(const environment& env) {
    fake::receiver_options ro;
    ro.certificate = ca.issue("localhost");
    auto started = fake::fake_receiver::start(std::move(ro));
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    receiver = std::move(*started);
    std::ofstream(env.dir() / "ca.pem", std::ios::app) << "\n" << ca.ca_pem();
  }
  ~chat_receiver() { receiver->stop(); }
};

std::string chat_sinks(const environment& env, const fake::fake_receiver& r) {
  const std::string backoff = "retry_initial_backoff = \"200ms\"\nretry_max_backoff = \"1s\"\ntimeout = \"5s\"\n";
  return "[[sink]]\nname = \"slack\"\nkind = \"slack\"\nurl = \"" + r.url() + "?sink=slack\"\n" + backoff +
         "\n[[sink]]\nname = \"teams\"\nkind = \"teams\"\nurl = \"" + r.url() + "?sink=teams\"\n" + backoff +
         "\n[[sink]]\nname = \"pd\"\nkind = \"pagerduty\"\nurl = \"" + r.url() + "?sink=pd\"\nrouting_key_file = \"" +
         (env.dir() / "pd.key").string() + "\"\n" + backoff;
}

void check_slack(const fake::delivery& fired, const fake::delivery& resolved, const std::string& name) {
  EXPECT_FALSE(fired.header("webhook-signature").has_value());
  const json& f = *fired.body_json;
  const json& r = *resolved.body_json;
  for (const json* b : {&f, &r}) {
    EXPECT_EQ(b->size(), 2u) << b->dump(2);
    EXPECT_TRUE((*b)["text"].is_string());
    ASSERT_EQ((*b)["blocks"].size(), 4u);
    EXPECT_EQ((*b)["blocks"][0]["type"], "header");
    EXPECT_EQ((*b)["blocks"][1]["type"], "section");
    EXPECT_EQ((*b)["blocks"][2]["type"], "section");
    EXPECT_EQ((*b)["blocks"][3]["type"], "context");
  }
  EXPECT_EQ(f["blocks"][0]["text"]["text"], ":rotating_light: CRITICAL · assignment.created");
  EXPECT_EQ(r["blocks"][0]["text"]["text"], ":white_check_mark: RESOLVED · assignment.removed (was critical)");
  const std::string facts = f["blocks"][1]["text"]["text"];
  EXPECT_NE(facts.find("*Scope:* /\n"), std::string::npos) << facts;
  EXPECT_NE(facts.find("*Role:* User Access Administrator"), std::string::npos) << facts;
  EXPECT_NE(facts.find("*Tenant:* contoso"), std::string::npos) << facts;
  const std::string remediation = f["blocks"][2]["text"]["text"];
  EXPECT_NE(remediation.find("```"), std::string::npos);
  EXPECT_NE(remediation.find(name), std::string::npos) << remediation;
  EXPECT_TRUE(r["text"].get<std::string>().starts_with("RESOLVED: ")) << r["text"];
}

void check_teams(const fake::delivery& fired, const fake::delivery& resolved) {
  EXPECT_FALSE(fired.header("webhook-signature").has_value());
  for (const json* m : {&*fired.body_json, &*resolved.body_json}) {
    EXPECT_EQ((*m)["type"], "message");
    ASSERT_EQ((*m)["attachments"].size(), 1u);
    EXPECT_EQ((*m)["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
    const json& card = (*m)["attachments"][0]["content"];
    EXPECT_EQ(card["type"], "AdaptiveCard");
    EXPECT_EQ(card["version"], "1.4");
    ASSERT_GE(card["body"].size(), 5u);
    EXPECT_EQ(card["body"][2]["type"], "FactSet");
    EXPECT_EQ(card["body"][4]["fontType"], "Monospace");
  }
  const json& f = (*fired.body_json)["attachments"][0]["content"]["body"];
  const json& r = (*resolved.body_json)["attachments"][0]["content"]["body"];
  EXPECT_EQ(f[0]["text"], "CRITICAL · assignment.created");
  EXPECT_EQ(r[0]["text"], "RESOLVED · assignment.removed (was critical)");
}

void check_pagerduty(const fake::delivery& fired, const fake::delivery& resolved, const std::string& tenant_id) {
  EXPECT_FALSE(fired.header("webhook-signature").has_value());
  EXPECT_EQ(fired.header("Content-Type").value_or(""), "application/json");
  const json& f = *fired.body_json;
  const json& r = *resolved.body_json;
  EXPECT_EQ(f["routing_key"], routing_key);
  EXPECT_EQ(f["event_action"], "trigger");
  ASSERT_TRUE(f["dedup_key"].is_string());
  EXPECT_FALSE(f["dedup_key"].get<std::string>().empty());
  EXPECT_EQ(f["dedup_key"], f["payload"]["custom_details"]["correlation_key"]);
  const json& p = f["payload"];
  EXPECT_EQ(p["severity"], "critical");
  EXPECT_EQ(p["class"], "assignment.created");
  EXPECT_EQ(p["component"], "/");
  EXPECT_EQ(p["source"], "contoso (" + tenant_id + ")");
  EXPECT_TRUE(p["summary"].get<std::string>().starts_with("User Access Administrator at \"/\"")) << p["summary"];
  EXPECT_EQ(r, json({{"routing_key", routing_key}, {"event_action", "resolve"}, {"dedup_key", f["dedup_key"]}}));
}

TEST(chat_sinks, slack_teams_and_pagerduty_each_get_their_shape_firing_then_resolved) {
  environment env;
  chat_receiver chat(env);
  std::ofstream(env.dir() / "pd.key") << routing_key << "\n";
  env.write_config("1s", "alert", {}, chat_sinks(env, *chat.receiver));
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const std::string name = env.elevate();

  const auto each_sink_has = [](std::size_t n) {
    return [n](const std::vector<fake::delivery>& all) {
      for (const std::string sink : {"slack", "teams", "pd"}) {
        if (accepted_for(all, sink).size() < n) {
          return false;
        }
      }
      return true;
    };
  };
  ASSERT_TRUE(chat.receiver->wait_for(each_sink_has(1), wait_long)) << daemon.err();
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(chat.receiver->wait_for(each_sink_has(2), wait_long)) << daemon.err();

  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait(milliseconds{15'000}).has_value());

  const auto all = chat.receiver->deliveries();
  for (const auto& d : all) {
    EXPECT_TRUE(d.body_json.has_value()) << d.body;
    EXPECT_EQ(d.status, 200) << d.target;
  }
  const auto s = accepted_for(all, "slack");
  const auto t = accepted_for(all, "teams");
  const auto p = accepted_for(all, "pd");
  ASSERT_EQ(s.size(), 2u);
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(p.size(), 2u);
  check_slack(s[0], s[1], name);
  check_teams(t[0], t[1]);
  check_pagerduty(p[0], p[1], env.tenant_id());
  EXPECT_EQ(daemon.err().find(routing_key), std::string::npos) << "the routing key reached the log";
  EXPECT_EQ(daemon.out().find(routing_key), std::string::npos) << "the routing key reached stdout";
  EXPECT_NE(daemon.err().find("sink pd: delivered alert"), std::string::npos) << daemon.err();
}

TEST(chat_sinks, a_missing_routing_key_file_stops_the_start_naming_the_sink_not_the_key) {
  environment env;
  chat_receiver chat(env);
  env.write_config("1s", "alert", {}, chat_sinks(env, *chat.receiver));
  const auto r = env.run({"run", "--config", env.config_path().string()}, milliseconds{15'000});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("sink pd routing key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pd.key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rootwatch::e2e
