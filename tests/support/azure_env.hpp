#pragma once

// A fake Azure with one registered app, and a real HTTPS client that trusts its CA: what the
// auth and azure unit tests share.

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "fake/fake_azure.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace rootwatch::testing_support {

inline constexpr std::string_view test_client_id = "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58";
inline constexpr std::string_view test_client_secret = "s3cr&t+with=form/characters";
inline constexpr std::string_view test_app_object_id = "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46";

class azure_env : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::fake_azure_options o;
    o.certificate = ca_.issue("localhost");
    auto started = fake::fake_azure::start(std::move(o));
    ASSERT_TRUE(started) << started.error().message;
    azure_ = std::move(*started);
    azure_->add_app(
        {std::string(test_client_id), std::string(test_client_secret), std::string(test_app_object_id), "rootwatch"});
    ca_file_ = tmp_.file("ca.pem");
    ASSERT_TRUE(ca_.write_ca(ca_file_));
    auto tls = net::client_tls::make(ca_file_);
    ASSERT_TRUE(tls) << tls.error().message;
    http_ = std::make_unique<net::https_client>(io_.get_executor(), *tls, random_, wall_);
  }
  void TearDown() override { azure_->stop(); }

  temp_dir tmp_{"rootwatch-azure"};
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_azure> azure_;
  std::string ca_file_;
  seeded_rng random_{7};
  manual_clock wall_{std::chrono::system_clock::now()};
  std::unique_ptr<net::https_client> http_;
};

}  // namespace rootwatch::testing_support
