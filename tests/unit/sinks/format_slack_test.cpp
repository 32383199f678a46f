#include "sinks/format_slack.hpp"

#include "common/text.hpp"
#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

json body_of(const engine::alert& a) {
  const rendered r = render_slack(a);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(is_valid_utf8(r.body));
  return json::parse(r.body);
}

std::string text_of(const json& block) {
  return block["text"]["text"].get<std::string>();
}

TEST(slack, a_firing_alert_is_header_facts_remediation_and_context) {
  const json b = body_of(fixture::created_alert());
  ASSERT_EQ(b.size(), 2u) << b.dump(2);
  ASSERT_TRUE(b["text"].is_string());
  const json& blocks = b["blocks"];
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["type"], "plain_text");
  EXPECT_EQ(text_of(blocks[0]), ":rotating_light: CRITICAL · assignment.created");
  EXPECT_EQ(blocks[1]["type"], "section");
  EXPECT_EQ(blocks[1]["text"]["type"], "mrkdwn");
  EXPECT_EQ(text_of(blocks[1]),
            "*Tenant:* contoso (00000000-0000-0000-0000-000000000001)\n"
            "*Scope:* /\n"
            "*Role:* User Access Administrator (18d7d88d-d35e-4fb5-a5c3-7773c20a72d9)\n"
            "*Principal:* Zoë Ångström 日本 (User a11ce000-0000-4000-8000-000000000001)\n"
            "*Done by:* zoe@contoso.example from 203.0.113.7\n"
            "*Rule:* anything-at-root\n"
            "*First seen:* 2025-02-11T10:00:00Z\n"
            "*Detected:* 2025-02-11T10:00:00Z");
  EXPECT_EQ(blocks[2]["type"], "section");
  EXPECT_EQ(text_of(blocks[2]), "*Remediation*\n```" + fixture::created_alert().remediation + "```");
  EXPECT_EQ(blocks[3]["type"], "context");
  ASSERT_EQ(blocks[3]["elements"].size(), 1u);
  EXPECT_EQ(blocks[3]["elements"][0]["type"], "mrkdwn");
  EXPECT_EQ(blocks[3]["elements"][0]["text"], "rootwatch alert `a-created` · correlation `ck-9f8e7d6c`");
  EXPECT_TRUE(b["text"].get<std::string>().starts_with("critical: User Access Administrator at \"/\"")) << b["text"];
}

TEST(slack, a_resolved_alert_says_resolved_in_the_header_and_the_fallback) {
  const json b = body_of(fixture::removed_alert());
  EXPECT_EQ(text_of(b["blocks"][0]), ":white_check_mark: RESOLVED · assignment.removed (was critical)");
  EXPECT_TRUE(b["text"].get<std::string>().starts_with("RESOLVED: ")) << b["text"];
  EXPECT_NE(text_of(b["blocks"][1]).find("*Resolved:* 2025-02-11T10:05:00.5"), std::string::npos)
      << text_of(b["blocks"][1]);
}

TEST(slack, a_watch_alert_has_the_tenant_and_the_detail) {
  const json b = body_of(fixture::degraded_alert());
  const std::string facts = text_of(b["blocks"][1]);
  EXPECT_NE(facts.find("*Detail:* ARM answered 403"), std::string::npos) << facts;
  EXPECT_EQ(facts.find("*Scope:*"), std::string::npos) << facts;
}

TEST(slack, text_from_outside_cannot_mention_a_channel_or_forge_a_link) {
  auto a = fixture::created_alert();
  a.subject->principal.display_name = "<!channel> <https://evil.example|click> & co";
  const json b = body_of(a);
  const std::string facts = text_of(b["blocks"][1]);
  EXPECT_NE(facts.find("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co"), std::string::npos) << facts;
  EXPECT_EQ(b.dump().find("<!channel>"), std::string::npos);
  EXPECT_EQ(b["text"].get<std::string>().find('<'), std::string::npos) << b["text"];
}

TEST(slack, long_non_ascii_text_is_cut_on_code_points_under_the_limits) {
  auto a = fixture::created_alert();
  std::string name;
  for (int i = 0; i < 2000; ++i) {
    name += "日&";  // 3 + 5 bytes escaped: a cut can fall inside either
  }
  a.subject->principal.display_name = name;
  a.remediation = std::string(5000, 'x') + "é";
  a.kind = std::string(400, 'k');
  const rendered r = render_slack(a);
  ASSERT_TRUE(is_valid_utf8(r.body));
  const json b = json::parse(r.body);
  EXPECT_LE(text_of(b["blocks"][0]).size(), slack_header_max);
  for (int i = 1; i <= 2; ++i) {
    const std::string text = text_of(b["blocks"][i]);
    EXPECT_LE(text.size(), slack_section_max) << i;
    EXPECT_TRUE(is_valid_utf8(text)) << i;
  }
  EXPECT_TRUE(text_of(b["blocks"][2]).ends_with("…```"));
  EXPECT_LE(b["text"].get<std::string>().size(), slack_section_max);
}

TEST(slack, a_cut_never_ends_inside_an_entity) {
  const std::string escaped = slack_escape("ab&cd");  // "ab&amp;cd"
  for (std::size_t max = 4; max <= escaped.size(); ++max) {
    const std::string cut = slack_cut(escaped, max);
    SCOPED_TRACE(cut);
    EXPECT_LE(cut.size(), max);
    const auto amp = cut.find('&');
    EXPECT_TRUE(amp == std::string::npos || cut.compare(amp, 5, "&amp;") == 0);
  }
  EXPECT_EQ(slack_cut(escaped, escaped.size()), escaped);
  EXPECT_EQ(slack_cut(escaped, 8), "ab…");
}

}  // namespace
}  // namespace rootwatch::sinks
