#include "sinks/format_teams.hpp"

#include "common/text.hpp"
#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

json card_of(const engine::alert& a) {
  const rendered r = render_teams(a);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(is_valid_utf8(r.body));
  const json m = json::parse(r.body);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m["attachments"].size(), 1u);
  const json& attachment = m["attachments"][0];
  EXPECT_EQ(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_TRUE(attachment["contentUrl"].is_null());
  return attachment["content"];
}

TEST(teams, a_workflows_message_with_an_adaptive_card_1_4) {
  const json card = card_of(fixture::created_alert());
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  EXPECT_EQ(card["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
  const json& body = card["body"];
  ASSERT_EQ(body.size(), 6u) << body.dump(2);
  EXPECT_EQ(body[0]["type"], "TextBlock");
  EXPECT_EQ(body[0]["text"], "CRITICAL · assignment.created");
  EXPECT_EQ(body[0]["weight"], "Bolder");
  EXPECT_EQ(body[0]["color"], "Attention");
  EXPECT_TRUE(body[1]["text"].get<std::string>().starts_with("User Access Administrator at \"/\""));
  EXPECT_EQ(body[2]["type"], "FactSet");
  const json& facts = body[2]["facts"];
  ASSERT_EQ(facts.size(), 8u) << facts.dump(2);
  EXPECT_EQ(facts[0], json({{"title", "Tenant"}, {"value", "contoso (00000000-0000-0000-0000-000000000001)"}}));
  EXPECT_EQ(facts[3],
            json({{"title", "Principal"}, {"value", "Zoë Ångström 日本 (User a11ce000-0000-4000-8000-000000000001)"}}));
  EXPECT_EQ(facts[4], json({{"title", "Done by"}, {"value", "zoe@contoso.example from 203.0.113.7"}}));
  EXPECT_EQ(body[3]["text"], "Remediation");
  EXPECT_EQ(body[4]["text"], fixture::created_alert().remediation);
  EXPECT_EQ(body[4]["fontType"], "Monospace");
  EXPECT_EQ(body[5]["text"], "rootwatch alert a-created · correlation ck-9f8e7d6c");
  for (const auto& block : body) {
    if (block["type"] == "TextBlock") {
      EXPECT_EQ(block["wrap"], true);
    }
  }
  // Not the retired Office 365 connector card.
  EXPECT_EQ(render_teams(fixture::created_alert()).body.find("MessageCard"), std::string::npos);
}

TEST(teams, a_resolved_alert_is_green_and_says_resolved) {
  const json body = card_of(fixture::removed_alert())["body"];
  EXPECT_EQ(body[0]["text"], "RESOLVED · assignment.removed (was critical)");
  EXPECT_EQ(body[0]["color"], "Good");
  EXPECT_TRUE(body[1]["text"].get<std::string>().starts_with("RESOLVED: ")) << body[1]["text"];
  EXPECT_EQ(body[2]["facts"][7]["title"], "Resolved");
}

TEST(teams, long_non_ascii_text_is_cut_on_code_points) {
  auto a = fixture::created_alert();
  std::string name;
  for (int i = 0; i < 3000; ++i) {
    name += "Ångström";
  }
  a.subject->principal.display_name = name;
  a.remediation = std::string(9000, 'y') + "日本";
  const rendered r = render_teams(a);
  ASSERT_TRUE(is_valid_utf8(r.body));
  EXPECT_LT(r.body.size(), 28u * 1024);
  const json body = json::parse(r.body)["attachments"][0]["content"]["body"];
  EXPECT_LE(body[2]["facts"][3]["value"].get<std::string>().size(), teams_fact_max);
  EXPECT_LE(body[4]["text"].get<std::string>().size(), teams_text_max);
  EXPECT_TRUE(body[4]["text"].get<std::string>().ends_with("…"));
}

}  // namespace
}  // namespace rootwatch::sinks
