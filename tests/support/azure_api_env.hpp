#pragma once

// azure_env with a token cache for its registered app: what the tests of the azure clients, and
// of the app parts built on them, share. Every wait is short, so that a retry or a renewal
// costs the test milliseconds.

#include "auth/client_secret.hpp"
#include "auth/token_cache.hpp"
#include "net/retry.hpp"
#include "support/azure_env.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace rootwatch::testing_support {

class azure_api_env : public azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    using namespace std::chrono_literals;
    auth::client_secret_options o;
    o.authority = azure_->base_url();
    o.tenant_id = azure_->tenant_id();
    o.client_id = std::string(test_client_id);
    o.read_secret = []() -> result<std::string> { return std::string(test_client_secret); };
    o.retry = {2, 10ms, 20ms, 1s};
    tokens_ = std::make_unique<auth::token_cache>(
        io_.get_executor(), std::make_unique<auth::client_secret_credential>(*http_, std::move(o), wall_), wall_);
  }

  // The token scope of ARM and of the services the fake serves beside it on its one base URL.
  std::string arm_scope() const { return azure_->base_url() + "/.default"; }

  // An azure client's options (base, scope, timeout, retry) pointed at the fake, with a retry
  // policy of three quick attempts.
  template <class Options>
  Options fast_options(std::string scope) const {
    using namespace std::chrono_literals;
    Options o;
    o.base = azure_->base_url();
    o.scope = std::move(scope);
    o.timeout = 5s;
    o.retry = {3, 10ms, 20ms, 2s};
    return o;
  }

  // The requests the fake recorded on `route`, in the order they came.
  std::vector<fake::recorded_request> requests_on(fake::azure_route route) const {
    std::vector<fake::recorded_request> out;
    for (auto& r : azure_->requests()) {
      if (r.route == route) {
        out.push_back(r);
      }
    }
    return out;
  }

  std::unique_ptr<auth::token_cache> tokens_;
};

}  // namespace rootwatch::testing_support
