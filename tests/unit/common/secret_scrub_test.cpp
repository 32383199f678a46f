#include "common/secret_scrub.hpp"
#include "common/encoding.hpp"
#include "common/error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace rootwatch {
namespace {

// Lower-case hex, as some encoders write it.
std::string percent_lower(std::string_view value) {
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      out += ch;
    } else {
      static constexpr std::string_view digits = "0123456789abcdef";
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string form_plus(std::string_view value) {
  std::string out = form_encode(value);
  for (auto pos = out.find("%20"); pos != std::string::npos; pos = out.find("%20")) {
    out.replace(pos, 3, "+");
  }
  return out;
}

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

const std::string secret = "Xy8Q~abc.DEF_ghi-123 +/=&?%";

TEST(secret_scrubber, removes_a_known_value_in_every_encoding) {
  secret_scrubber s;
  s.add_secret(secret);
  for (const std::string& form : {secret, form_encode(secret), percent_lower(secret), form_plus(secret)}) {
    SCOPED_TRACE(form);
    const std::string out = s.scrub("before " + form + " after");
    EXPECT_EQ(out, "before [redacted] after");
  }
}

TEST(secret_scrubber, removes_every_occurrence_and_the_echoed_form) {
  secret_scrubber s;
  s.add_secret(secret);
  const std::string form = "grant_type=client_credentials&client_id=abc&scope=x&client_secret=" + form_encode(secret);
  const std::string out = s.scrub(secret + " | " + form + " | " + secret);
  EXPECT_FALSE(contains(out, "Xy8Q")) << out;
  EXPECT_EQ(out,
            "[redacted] | grant_type=client_credentials&client_id=abc&scope=x&client_secret=[redacted] | "
            "[redacted]");
}

TEST(secret_scrubber, ignores_values_shorter_than_eight_bytes) {
  secret_scrubber s;
  s.add_secret("");
  s.add_secret("short");
  s.add_token("1234567");
  EXPECT_EQ(s.scrub("a short word and 1234567"), "a short word and 1234567");
}

TEST(secret_scrubber, removes_bearer_tokens_it_never_saw_in_any_case) {
  secret_scrubber s;
  EXPECT_EQ(s.scrub("Authorization: Bearer abc.DEF-ghi_jk~l+m/n= was sent"),
            "Authorization: Bearer [redacted] was sent");
  EXPECT_EQ(s.scrub("authorization: bearer opaque-token"), "authorization: bearer [redacted]");
  EXPECT_EQ(s.scrub("BEARER\tx"), "BEARER\t[redacted]");
  EXPECT_EQ(s.scrub("Bearer%20abcdefgh"), "Bearer%20[redacted]");
  // Prose without a token keeps its words.
  EXPECT_EQ(s.scrub("token_type other than Bearer"), "token_type other than Bearer");
  EXPECT_EQ(s.scrub("Bearer."), "Bearer.");
  EXPECT_EQ(s.scrub("NoBearer abc"), "NoBearer abc");
}

TEST(secret_scrubber, removes_jwt_shaped_runs) {
  secret_scrubber s;
  const std::string jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJl";
  EXPECT_EQ(s.scrub("token " + jwt + " expired"), "token [redacted] expired");
  EXPECT_EQ(s.scrub("access_token=" + jwt + "&x=1"), "access_token=[redacted]&x=1");
  EXPECT_EQ(s.scrub("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."), "unsigned [redacted]");
  EXPECT_EQ(s.scrub("jwe eyJh.a.b.c.d end"), "jwe [redacted] end");
  // One dot is no JWT.
  EXPECT_EQ(s.scrub("eyJhbGciOi.only"), "eyJhbGciOi.only");
}

TEST(secret_scrubber, keeps_only_the_latest_tokens) {
  secret_scrubber s;
  for (std::size_t i = 0; i <= secret_scrubber::max_tokens; ++i) {
    s.add_token("opaque-token-" + std::to_string(i));
  }
  EXPECT_EQ(s.scrub("opaque-token-0;"), "opaque-token-0;") << "the oldest is forgotten";
  EXPECT_EQ(s.scrub("opaque-token-256;"), "[redacted];");
}

TEST(secret_scrubber, a_longer_value_wins_over_its_prefix) {
  secret_scrubber s;
  s.add_secret("abcdefgh");
  s.add_secret("abcdefghijklmnop");
  EXPECT_EQ(s.scrub("xabcdefghijklmnopx"), "x[redacted]x");
}

TEST(secret_scrubber, a_webhook_url_its_path_and_its_tokens) {
  secret_scrubber s;
  s.add_url("https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx?sig=S1g-valueXYZ&v=1");
  EXPECT_EQ(s.scrub("POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx?sig=S1g-"
                    "valueXYZ&v=1 failed"),
            "POST [redacted] failed");
  EXPECT_EQ(s.scrub("no route for /services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx?sig=S1g-valueXYZ&v=1"),
            "no route for [redacted]");
  EXPECT_EQ(s.scrub("unknown token abcdefghijklmnopqrstuvwx"), "unknown token [redacted]");
  EXPECT_EQ(s.scrub("team T0123ABCD"), "team [redacted]");
  EXPECT_EQ(s.scrub("bad sig S1g-valueXYZ"), "bad sig [redacted]");
  // Words of the path are not tokens.
  EXPECT_EQ(s.scrub("services at hooks.slack.com"), "services at hooks.slack.com");
}

TEST(secret_scrubber, a_password_in_a_url) {
  secret_scrubber s;
  s.add_url("https://user:pa55word-x@example.com/hook");
  EXPECT_EQ(s.scrub("denied pa55word-x"), "denied [redacted]");
}

TEST(secret_scrubber, is_total_on_any_bytes) {
  secret_scrubber s;
  s.add_secret(secret);
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  bytes += "%";
  bytes += "%4";
  bytes += "Bearer";
  bytes += "eyJ";
  EXPECT_NO_THROW((void)s.scrub(bytes));
  EXPECT_EQ(s.scrub(""), "");
}

TEST(secret_scrubber, is_safe_to_use_from_several_threads) {
  secret_scrubber s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, t]() {
      for (int i = 0; i < 200; ++i) {
        const std::string value = "thread-" + std::to_string(t) + "-token-" + std::to_string(i);
        s.add_token(value);
        EXPECT_EQ(s.scrub("<" + value + ">"), "<[redacted]>");
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
}

// Invariant 5: "redact when the error is built".
TEST(error_make, scrubs_every_registered_secret_and_every_bearer_token) {
  const std::string client_secret = "error-make-client-secret~value";
  register_secret(client_secret);
  const auto e = make_error(error_kind::auth, "echo: " + form_encode(client_secret) + " and Bearer abcdefghijk");
  EXPECT_FALSE(contains(e.message, "error-make-client-secret")) << e.message;
  EXPECT_FALSE(contains(e.message, "abcdefghijk")) << e.message;
  EXPECT_EQ(e.message, "echo: [redacted] and Bearer [redacted]");
  const auto c = with_context(make_error(error_kind::auth, "x"), client_secret);
  EXPECT_EQ(c.message, "[redacted]: x");
}

}  // namespace
}  // namespace rootwatch
