#pragma once

// A fake Azure with one app and one Global Administrator, and the few calls every fake test
// makes: get a token, call ARM with it.

#include "common/encoding.hpp"
#include "common/json.hpp"
#include "fake/fake_azure.hpp"
#include "fake/test_ca.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::fake {

inline constexpr std::string_view app_id = "0b7d3c1e-5a2f-4e8b-9c6d-1f2a3b4c5d6e";
inline constexpr std::string_view app_secret = "Qm9~s3cr&t=+/x";  // characters that need form encoding
inline constexpr std::string_view app_object_id = "a1b2c3d4-0000-4000-8000-000000000001";
inline constexpr std::string_view admin_upn = "admin@contoso.example";
inline constexpr std::string_view admin_password = "correct horse battery staple";
inline constexpr std::string_view admin_object_id = "a1b2c3d4-0000-4000-8000-000000000002";
inline constexpr std::string_view arm_scope = "https://management.azure.com/.default";
inline constexpr std::string_view list_path =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

class azure_test : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_azure_options options;
    options.certificate = ca_.issue("localhost");
    auto started = fake_azure::start(std::move(options));
    ASSERT_TRUE(started) << started.error().message;
    azure_ = std::move(*started);
    azure_->add_app({std::string(app_id), std::string(app_secret), std::string(app_object_id), "rootwatch-reader"});
    azure_->add_user({std::string(admin_upn), std::string(admin_password), std::string(admin_object_id), "Admin"});
  }

  static std::string form(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
      body += (body.empty() ? "" : "&") + form_encode(k) + "=" + form_encode(v);
    }
    return body;
  }

  net::response post_token(const std::string& body, std::string tenant = "") {
    const std::string url =
        azure_->base_url() + "/" + (tenant.empty() ? azure_->tenant_id() : tenant) + "/oauth2/v2.0/token";
    auto r = fetch(ca_.ca_pem(), "POST", url, {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : net::response{};
  }

  std::string app_token() {
    const auto r = post_token(form({{"grant_type", "client_credentials"},
                                    {"client_id", app_id},
                                    {"client_secret", app_secret},
                                    {"scope", arm_scope}}));
    return json::parse(r.body).value("access_token", "");
  }

  std::string user_token() {
    const auto r = post_token(form({{"grant_type", "password"},
                                    {"client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"},
                                    {"username", admin_upn},
                                    {"password", admin_password},
                                    {"scope", "https://management.core.windows.net//.default openid profile"}}));
    return json::parse(r.body).value("access_token", "");
  }

  // `where` is a path with query, or an absolute URL (a nextLink), sent verbatim.
  result<net::response> arm(const std::string& method, const std::string& where, const std::string& token,
                            std::string body = {}, milliseconds timeout = milliseconds(5'000)) {
    const std::string url = where.starts_with("https://") ? where : azure_->base_url() + where;
    std::vector<net::header> headers;
    if (!token.empty()) {
      headers.push_back({"Authorization", "Bearer " + token});
    }
    if (!body.empty()) {
      headers.push_back({"Content-Type", "application/json"});
    }
    return fetch(ca_.ca_pem(), method, url, std::move(headers), std::move(body), timeout);
  }

  static json body_of(const result<net::response>& r) {
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return nullptr;
    }
    return json::parse(r->body, nullptr, false);
  }

  static inline const test_ca ca_ = test_ca::generate();
  std::unique_ptr<fake_azure> azure_;
};

}  // namespace rootwatch::fake
