// The client certificate credential against the fake token endpoint: a throw-away RSA key and
// self-signed certificate made here, the PS256 assertion the fake verifies, and every way the
// certificate, its key or the assertion can be refused, without a byte of key, password or
// assertion in an error.

#include "auth/client_certificate.hpp"
#include "common/encoding.hpp"
#include "common/json.hpp"
#include "common/sha256.hpp"
#include "common/strings.hpp"
#include "fake/app_certificate.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <gmock/gmock.h>

#include <fstream>

namespace rootwatch::auth {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view arm = "https://management.azure.com/.default";
constexpr std::string_view password = "correct horse battery staple";

// RSA key generation is slow in a debug build: once per test binary.
const fake::app_certificate& registered() {
  static const auto id = fake::make_app_certificate("rootwatch", std::string(password));
  return id;
}
const fake::app_certificate& stranger() {
  static const auto id = fake::make_app_certificate("stranger", std::string(password));
  return id;
}

// The body's client_assertion, and its header and claims decoded.
struct sent_assertion {
  std::string jwt;
  json header;
  json claims;
};

sent_assertion assertion_in(const std::string& form_body) {
  sent_assertion out;
  for (const auto& pair : split(form_body, '&')) {
    if (pair.starts_with("client_assertion=")) {
      out.jwt = form_decode(pair.substr(17)).value_or("");
    }
  }
  const auto parts = split(out.jwt, '.');
  if (parts.size() == 3) {
    out.header = json::parse(base64_decode(parts[0]).value_or(""), nullptr, false);
    out.claims = json::parse(base64_decode(parts[1]).value_or(""), nullptr, false);
  }
  return out;
}

class client_certificate_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    azure_->add_app({std::string(testing_support::test_client_id), std::string(testing_support::test_client_secret),
                     std::string(testing_support::test_app_object_id), "rootwatch"},
                    registered().cert_pem);
    cert_file_ = tmp_.file("rootwatch.pem");
    write_pem(registered().cert_pem + registered().key_pem);
  }

  void write_pem(const std::string& content) { std::ofstream(cert_file_, std::ios::trunc) << content; }

  client_certificate_options options(std::optional<std::string> pw = std::nullopt) const {
    client_certificate_options o;
    o.authority = azure_->base_url();
    o.tenant_id = azure_->tenant_id();
    o.client_id = std::string(testing_support::test_client_id);
    o.certificate_file = cert_file_;
    o.read_password = [pw]() -> result<std::optional<std::string>> { return pw; };
    o.timeout = 5s;
    o.retry = {2, 10ms, 20ms, 1s};
    return o;
  }

  result<access_token> fetch(client_certificate_options o, rng& random) {
    client_certificate_credential cred(*http_, std::move(o), wall_, random);
    return run_coro(io_, cred.fetch(std::string(arm)));
  }
  result<access_token> fetch(client_certificate_options o) { return fetch(std::move(o), random_); }
  result<access_token> fetch() { return fetch(options()); }

  std::size_t token_requests() const { return azure_->request_count(fake::azure_route::token); }

  // Nothing secret in an error: no key, no password, no assertion or any part of it.
  void expect_clean(const std::string& message) const {
    EXPECT_THAT(message, Not(HasSubstr("PRIVATE KEY")));
    EXPECT_THAT(message, Not(HasSubstr(std::string(password))));
    EXPECT_THAT(message, Not(HasSubstr("eyJ")));
    // A line from the middle of each key's base64.
    for (const auto* pem : {&registered().key_pem, &registered().encrypted_key_pem}) {
      const auto lines = split(*pem, '\n');
      EXPECT_THAT(message, Not(HasSubstr(lines.at(3))));
    }
    for (const auto& r : azure_->requests()) {
      const auto sent = assertion_in(r.body);
      if (!sent.jwt.empty()) {
        EXPECT_THAT(message, Not(HasSubstr(split(sent.jwt, '.').at(2).substr(0, 24))));
      }
    }
  }

  std::string cert_file_;
};

TEST_F(client_certificate_test, a_ps256_assertion_with_the_thumbprint_signs_in) {
  auto t = fetch();
  ASSERT_TRUE(t) << t.error().message;
  const auto req = azure_->requests().back();
  EXPECT_THAT(req.body, HasSubstr("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-"
                                  "bearer"));
  EXPECT_THAT(req.body, Not(HasSubstr("client_secret")));
  const auto sent = assertion_in(req.body);
  ASSERT_TRUE(sent.header.is_object()) << sent.jwt;
  EXPECT_EQ(sent.header.value("alg", ""), "PS256");
  EXPECT_EQ(sent.header.value("typ", ""), "JWT");
  EXPECT_EQ(sent.header.value("x5t#S256", ""), base64url_encode(sha256(registered().der)));
  EXPECT_FALSE(sent.header.contains("x5c"));
  ASSERT_TRUE(sent.claims.is_object());
  EXPECT_EQ(sent.claims.value("aud", ""), azure_->token_url());
  EXPECT_EQ(sent.claims.value("iss", ""), testing_support::test_client_id);
  EXPECT_EQ(sent.claims.value("sub", ""), testing_support::test_client_id);
  EXPECT_TRUE(is_guid(sent.claims.value("jti", "")));
  const auto now = to_unix_seconds(wall_.now());
  EXPECT_EQ(sent.claims.value("nbf", std::int64_t{0}), now);
  EXPECT_EQ(sent.claims.value("exp", std::int64_t{0}), now + 600);
}

TEST_F(client_certificate_test, the_chain_is_sent_when_asked) {
  auto o = options();
  o.send_certificate_chain = true;
  auto t = fetch(std::move(o));
  ASSERT_TRUE(t) << t.error().message;
  const auto sent = assertion_in(azure_->requests().back().body);
  ASSERT_TRUE(sent.header.contains("x5c"));
  EXPECT_EQ(sent.header["x5c"].at(0).get<std::string>(), base64_encode(registered().der));
}

TEST_F(client_certificate_test, each_request_has_a_fresh_jti) {
  ASSERT_TRUE(fetch());
  const auto first = assertion_in(azure_->requests().back().body).claims.value("jti", "");
  auto again = fetch();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(assertion_in(azure_->requests().back().body).claims.value("jti", ""), first);
}

TEST_F(client_certificate_test, a_replayed_jti_is_refused_by_the_fake) {
  // Two credentials with the same randomness at the same instant make the same assertion.
  seeded_rng first(42);
  seeded_rng second(42);
  ASSERT_TRUE(fetch(options(), first));
  auto t = fetch(options(), second);
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS50013"));
  expect_clean(t.error().message);
}

TEST_F(client_certificate_test, a_password_protected_key_opens_with_the_right_password) {
  write_pem(registered().cert_pem + registered().encrypted_key_pem);
  auto t = fetch(options(std::string(password)));
  ASSERT_TRUE(t) << t.error().message;
}

TEST_F(client_certificate_test, a_wrong_password_is_named_and_nothing_is_sent) {
  write_pem(registered().cert_pem + registered().encrypted_key_pem);
  auto t = fetch(options(std::string("Tr0ub4dor&3-not-it")));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::config);
  EXPECT_THAT(t.error().message, HasSubstr("wrong password"));
  EXPECT_THAT(t.error().message, HasSubstr(cert_file_));
  EXPECT_THAT(t.error().message, Not(HasSubstr("Tr0ub4dor")));
  expect_clean(t.error().message);
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(client_certificate_test, an_encrypted_key_without_a_password_says_which_keys_to_set) {
  write_pem(registered().cert_pem + registered().encrypted_key_pem);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("is encrypted"));
  EXPECT_THAT(t.error().message, HasSubstr("certificate_password_file"));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(client_certificate_test, a_missing_file_is_named_and_nothing_is_sent) {
  std::filesystem::remove(cert_file_);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("cannot read certificate file " + cert_file_));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(client_certificate_test, a_file_without_a_key_or_with_another_certificates_key_is_named) {
  write_pem(registered().cert_pem);
  auto no_key = fetch();
  ASSERT_FALSE(no_key);
  EXPECT_THAT(no_key.error().message, HasSubstr("has no private key"));
  write_pem(registered().cert_pem + stranger().key_pem);
  auto other = fetch();
  ASSERT_FALSE(other);
  EXPECT_THAT(other.error().message, HasSubstr("belongs to none of the certificates"));
  expect_clean(other.error().message);
  write_pem("just text\n");
  auto garbage = fetch();
  ASSERT_FALSE(garbage);
  EXPECT_THAT(garbage.error().message, HasSubstr("has no PEM certificate"));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(client_certificate_test, an_ec_key_is_refused_as_not_rsa) {
  const auto ec = fake::make_app_certificate("ec", std::string(password), false);
  write_pem(ec.cert_pem + ec.key_pem);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("not an RSA key"));
}

TEST_F(client_certificate_test, a_certificate_the_app_does_not_know_is_refused_with_aadsts700027) {
  write_pem(stranger().cert_pem + stranger().key_pem);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS700027"));
  EXPECT_THAT(t.error().message, HasSubstr("upload its public part"));
  EXPECT_THAT(t.error().message, HasSubstr(base64url_encode(sha256(stranger().der))));
  expect_clean(t.error().message);
  EXPECT_EQ(token_requests(), 1u) << "invalid_client must not be retried";
}

TEST_F(client_certificate_test, an_assertion_from_a_clock_an_hour_behind_is_refused_with_aadsts700024) {
  wall_.advance(-1h);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS700024"));
  EXPECT_THAT(t.error().message, HasSubstr("check this host's clock"));
  expect_clean(t.error().message);
}

TEST_F(client_certificate_test, an_expired_certificate_is_named_before_anything_is_sent) {
  wall_.advance(30 * 24h);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("expired on"));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(client_certificate_test, an_endpoint_that_echoes_the_form_does_not_leak_the_assertion) {
  fake::fault f;
  f.route = fake::azure_route::token;
  f.kind = fake::fault_kind::echo;
  azure_->inject_fault(f);
  auto t = fetch();
  ASSERT_FALSE(t);
  expect_clean(t.error().message);
}

TEST_F(client_certificate_test, a_renewed_certificate_file_is_read_at_the_next_request) {
  ASSERT_TRUE(fetch());
  write_pem(stranger().cert_pem + stranger().key_pem);
  EXPECT_FALSE(fetch()) << "the fake does not know the new certificate yet";
  azure_->add_app({std::string(testing_support::test_client_id), std::string(testing_support::test_client_secret),
                   std::string(testing_support::test_app_object_id), "rootwatch"},
                  stranger().cert_pem);
  auto t = fetch();
  ASSERT_TRUE(t) << t.error().message;
}

// The fake's checks of the claims, one at a time: an assertion signed with the right key but
// made wrong, sent as the credential would send it.
class certificate_assertion_checks : public client_certificate_test {
 protected:
  int status_ = 0;

  std::string refusal_of(const assertion_claims& claims, seconds lifetime_shift = 0s) {
    auto key = load_certificate_key(cert_file_, std::nullopt, wall_.now());
    if (!key) {
      return "load: " + key.error().message;
    }
    auto jwt = make_client_assertion(*key, claims);
    if (!jwt) {
      return "sign: " + jwt.error().message;
    }
    if (lifetime_shift != 0s) {
      // Re-made with a longer exp: the claims part is rebuilt and signed again.
      const auto parts = split(*jwt, '.');
      auto payload = json::parse(base64_decode(parts[1]).value_or(""));
      payload["exp"] = payload["exp"].get<std::int64_t>() + lifetime_shift.count();
      const std::string input = parts[0] + "." + base64url_encode(payload.dump());
      auto signature = key->sign_ps256(input);
      jwt = input + "." + base64url_encode(signature.value());
    }
    net::request req;
    req.method = "POST";
    req.url = azure_->token_url();
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = "grant_type=client_credentials&client_id=" + std::string(testing_support::test_client_id) +
               "&scope=" + form_encode(arm) +
               "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
               "&client_assertion=" +
               form_encode(*jwt);
    auto res = run_coro(io_, http_->send(std::move(req)));
    if (!res) {
      return "send: " + res.error().message;
    }
    status_ = res->status;
    return res->body;
  }

  assertion_claims good() const {
    return {azure_->token_url(), std::string(testing_support::test_client_id),
            "4f1c2d3e-0000-4000-8000-00000000000" + std::to_string(++serial_), wall_.now(), false};
  }

  mutable int serial_ = 0;
};

TEST_F(certificate_assertion_checks, a_well_made_assertion_is_accepted) {
  const auto body = refusal_of(good());
  EXPECT_EQ(status_, 200) << body;
}

TEST_F(certificate_assertion_checks, another_audience_is_refused) {
  auto c = good();
  c.audience = "https://login.microsoftonline.com/" + azure_->tenant_id() + "/oauth2/v2.0/token";
  EXPECT_THAT(refusal_of(c), HasSubstr("AADSTS50027"));
}

TEST_F(certificate_assertion_checks, an_issuer_other_than_the_client_id_is_refused) {
  auto c = good();
  c.client_id = "11111111-1111-1111-1111-111111111111";
  EXPECT_THAT(refusal_of(c), HasSubstr("AADSTS700021"));
}

TEST_F(certificate_assertion_checks, a_future_nbf_and_a_long_lifetime_are_refused) {
  auto future = good();
  future.now = wall_.now() + 1h;
  EXPECT_THAT(refusal_of(future), HasSubstr("AADSTS700024"));
  EXPECT_THAT(refusal_of(good(), 2h), HasSubstr("AADSTS700024"));
}

TEST_F(certificate_assertion_checks, the_leaf_comes_first_in_x5c_whatever_the_files_order) {
  write_pem(registered().cert_pem + registered().key_pem + stranger().cert_pem);
  auto c = good();
  c.with_chain = true;
  const auto chain_after = refusal_of(c);
  EXPECT_EQ(status_, 200) << chain_after;
  write_pem(stranger().cert_pem + registered().cert_pem + registered().key_pem);
  c = good();
  c.with_chain = true;
  const auto chain_before = refusal_of(c);
  EXPECT_EQ(status_, 200) << chain_before;
}

}  // namespace
}  // namespace rootwatch::auth
