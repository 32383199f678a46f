// Secrets are registered with the process scrubber where they are read, so that an answer from
// outside that echoes one has it removed from every error made of it (defect 5).

#include "app/secrets.hpp"
#include "common/encoding.hpp"
#include "common/error.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace rootwatch::app {
namespace {

env_lookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

TEST(secret_registration, the_client_secret_is_known_once_read) {
  config::tenant_settings t;
  t.name = "contoso";
  t.credential.client_secret_env = "RW_TEST_SECRET";
  const std::string secret = "registration-test-secret~1";
  const auto read = read_client_secret(t, env({{"RW_TEST_SECRET", secret + "\n"}}));
  ASSERT_TRUE(read) << read.error().message;
  const auto e = make_error(error_kind::auth, "proxy said: client_secret=" + form_encode(secret));
  EXPECT_FALSE(contains(e.message, "registration-test-secret")) << e.message;
}

TEST(secret_registration, the_webhook_url_its_tokens_and_the_signing_key_are_known_once_resolved) {
  config::sink_settings s;
  s.name = "soc";
  s.url_env = "RW_TEST_URL";
  s.signing_secret_env = "RW_TEST_KEY";
  const std::string url = "https://hooks.example.com/services/T0REGTEST/B0REGTEST/reg1strationTokenValue42";
  const std::string key = "whsec_cmVnaXN0cmF0aW9uLXRlc3Qtc2lnbmluZy1rZXk=";
  const auto r = resolve_sink(s, env({{"RW_TEST_URL", url}, {"RW_TEST_KEY", key}}));
  ASSERT_TRUE(r) << r.error().message;
  const auto e =
      make_error(error_kind::http, "receiver said: no hook " + url + "; token reg1strationTokenValue42; key " + key +
                                       "; bare cmVnaXN0cmF0aW9uLXRlc3Qtc2lnbmluZy1rZXk=");
  EXPECT_FALSE(contains(e.message, "reg1strationTokenValue42")) << e.message;
  EXPECT_FALSE(contains(e.message, "hooks.example.com/services")) << e.message;
  EXPECT_FALSE(contains(e.message, "cmVnaXN0cmF0aW9u")) << e.message;
}

}  // namespace
}  // namespace rootwatch::app
