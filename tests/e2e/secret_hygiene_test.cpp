// Secret hygiene (design invariant 5, issue 5): at log_level "trace", with servers that echo
// secrets back, recognisable values of the client secret, the access tokens, the webhook URL's
// token and the signing key appear nowhere the daemon writes or says: not in a log line, the
// metrics, the health body, an alert, an error message or any row of its database; not raw,
// not percent-encoded, not form-encoded.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <csignal>

#include <fmt/format.h>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view client_secret = "cl1ent-SECRET~value+/=&42 x";
constexpr std::string_view token_prefix = "tok3nSECRETissued.";
constexpr std::string_view hook_token = "h00kTOKENinTheURL0123456789";

std::string percent_encoded(std::string_view s, bool lower, bool plus_for_space) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += lower ? fmt::format("%{:02x}", u) : fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// The forms a secret can take on its way through text.
std::vector<std::string> forms_of(std::string_view secret) {
  return {std::string(secret), percent_encoded(secret, false, false), percent_encoded(secret, true, false),
          percent_encoded(secret, false, true)};
}

// Every value of every row of every table, as text.
std::string database_text(const fs::path& db) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db;
    sqlite3_close(handle);
    return {};
  }
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(handle, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  std::string out;
  for (const auto& t : tables) {
    const std::string sql = "SELECT * FROM \"" + t + "\"";
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot read table " << t;
      continue;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(st, i));
        out +=
            t + ": " + (bytes ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : "") + "\n";
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(handle);
  EXPECT_FALSE(tables.empty());
  return out;
}

TEST(secret_hygiene, no_secret_in_logs_metrics_health_alerts_errors_or_the_database_even_when_echoed) {
  environment env;
  env.listen = "127.0.0.1:0";
  // A recognisable client secret (with characters that change under encoding) for the app the
  // harness registered, and recognisable tokens.
  const json app = env.azure().state().at("apps").at(0);
  env.azure().add_app({app.at("client_id"), std::string(client_secret), app.at("object_id"), "rootwatch"});
  env.write_client_secret(std::string(client_secret));
  env.azure().set_token_prefix(std::string(token_prefix));
  sink_options sink;
  sink.url_suffix = "?token=" + std::string(hook_token);
  env.write_config("1s", "alert", sink);
  set_tenant_keys(env, "degraded_after = 1", "trace");

  env.elevate();
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long))
      << daemon.err();

  // Servers that echo: the token endpoint repeats the form (secret raw and form-encoded), ARM
  // repeats the bearer token in a 403. A 30 s token lifetime makes every cycle fetch a token.
  env.azure().set_token_lifetime(seconds(30));
  fake::fault echo_form;
  echo_form.route = fake::azure_route::token;
  echo_form.kind = fake::fault_kind::echo;
  echo_form.count = 2;
  env.azure().inject_fault(echo_form);
  env.azure().expire_tokens();
  ASSERT_TRUE(wait_until([&] { return env.azure().faults().empty(); }, milliseconds(60'000))) << daemon.err();
  fake::fault echo_bearer;
  echo_bearer.route = fake::azure_route::role_assignments;
  echo_bearer.kind = fake::fault_kind::echo;
  echo_bearer.count.reset();
  env.azure().inject_fault(echo_bearer);
  ASSERT_TRUE(wait_until([&] { return !accepted(env.receiver().deliveries(), "watch.degraded").empty(); },
                         milliseconds(60'000)))
      << daemon.err();
  // While degraded, last_error holds whatever the echo left.
  const std::string health_degraded = http_get_local(port, "/healthz").body;
  env.azure().clear_faults();
  ASSERT_TRUE(wait_until([&] { return !accepted(env.receiver().deliveries(), "watch.recovered").empty(); },
                         milliseconds(60'000)))
      << daemon.err();
  const std::string health = http_get_local(port, "/healthz").body;
  const std::string metrics = http_get_local(port, "/metrics").body;
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();

  std::string alerts;
  for (const auto& d : env.receiver().deliveries()) {
    alerts += d.body + "\n";
    for (const auto& h : d.headers) {
      alerts += h.name + ": " + h.value + "\n";
    }
  }
  const std::vector<std::pair<std::string, std::string>> places{
      {"stdout", daemon.out()},
      {"stderr (log)", daemon.err()},
      {"/healthz while degraded", health_degraded},
      {"/healthz", health},
      {"/metrics", metrics},
      {"alerts received", alerts},
      {"database", database_text(env.dir() / "state" / "rootwatch.db")}};
  const std::string signing_key = env.signing_secret();
  const std::vector<std::pair<std::string, std::string>> secrets{
      {"client secret", std::string(client_secret)},
      {"access token", std::string(token_prefix)},
      {"webhook URL token", std::string(hook_token)},
      {"signing key", signing_key},
      {"signing key (base64 part)", signing_key.substr(std::string_view("whsec_").size())}};
  for (const auto& [place, text] : places) {
    for (const auto& [what, secret] : secrets) {
      for (const auto& form : forms_of(secret)) {
        EXPECT_EQ(text.find(form), std::string::npos)
            << "the " << what << " appears in " << place << " as '" << form << "':\n"
            << text.substr(text.find(form) > 200 ? text.find(form) - 200 : 0, 400);
      }
    }
  }
  // The test must have seen the echoes: the daemon logged at trace, the faults did hit.
  EXPECT_NE(daemon.err().find("trace"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::e2e
