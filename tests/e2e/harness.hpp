#pragma once

// End-to-end tests run the real rootwatch executable as a child process against the fake
// Azure and the fake receiver, both real HTTPS servers on loopback with a throw-away CA.

#include "fake/fake_azure.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::e2e {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

inline constexpr milliseconds wait_long{30'000};

// A child process with stdout and stderr in files.
class child {
 public:
  child(pid_t pid, fs::path out, fs::path err) : pid_(pid), out_(std::move(out)), err_(std::move(err)) {}
  child(child&& other) noexcept;
  ~child();  // kills what is still running

  // The exit code (128 + signal when killed), or nullopt after the timeout.
  std::optional<int> wait(milliseconds timeout);
  void signal(int sig);
  std::string out() const;
  std::string err() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
  fs::path out_;
  fs::path err_;
  bool reaped_ = false;
};

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

struct sink_options {
  std::string name = "soc";
  bool signed_ = true;
  std::string retry_initial_backoff = "200ms";
  std::string retry_max_backoff = "1s";
  std::string give_up_after = "1h";
  std::string timeout = "5s";
  std::string url_suffix;  // appended to the receiver's URL, e.g. a token in the query
};

class environment {
 public:
  environment();
  ~environment();

  fake::fake_azure& azure() { return *azure_; }
  fake::fake_receiver& receiver() { return *receiver_; }
  const fs::path& dir() const { return dir_; }
  const std::string& client_secret() const { return client_secret_; }
  const std::string& signing_secret() const { return signing_secret_; }
  std::string tenant_id() const { return azure_->tenant_id(); }

  // Writes rootwatch.toml; `extra` is appended verbatim (more [[rule]] or keys).
  fs::path write_config(const std::string& poll_interval = "1s", const std::string& baseline = "alert",
                        const sink_options& sink = {}, const std::string& extra = {});
  // Overwrites the secret file the config points to.
  void write_client_secret(const std::string& secret);

  child start(const std::vector<std::string>& args);
  run_result run(const std::vector<std::string>& args, milliseconds timeout = wait_long);

  // A User Access Administrator assignment at "/" for a new user; returns its name (GUID).
  std::string elevate(const std::string& principal_id = "a11ce000-0000-4000-8000-000000000001");

  fs::path config_path() const { return dir_ / "rootwatch.toml"; }

  // Another fake Azure for tenant `tenant_id`, trusted through the same CA and knowing the same
  // app and secret, so that one config can watch several tenants, each with its own faults.
  std::unique_ptr<fake::fake_azure> start_azure(const std::string& tenant_id);

  // [daemon] listen of the next write_config(); "" turns the health listener off.
  std::string listen;

 private:
  fs::path dir_;
  fake::test_ca ca_;
  std::unique_ptr<fake::fake_azure> azure_;
  std::unique_ptr<fake::fake_receiver> receiver_;
  std::string client_id_ = "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58";
  std::string client_secret_;
  std::string signing_secret_;
  int children_ = 0;
};

// Deliveries of one alert kind that the receiver answered with 2xx.
std::vector<fake::delivery> accepted(const std::vector<fake::delivery>& all, const std::string& kind);

// Polls `done` every 100 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, milliseconds timeout = wait_long);

// The health listener's port from the daemon's start-up line ("health on 127.0.0.1:PORT"); 0
// when it does not appear within wait_long.
std::uint16_t health_port_in_log(const child& daemon);

// GET http://127.0.0.1:port/path; status 0 when nothing answered.
net::response http_get_local(std::uint16_t port, const std::string& path);

// Adds `keys` (TOML lines) to the [[tenant]] table of the written config, and replaces its
// log_level; call after write_config.
void set_tenant_keys(environment& env, const std::string& keys, const std::string& log_level = "debug");

// Replaces the written config's `sources = ["arm"]` with `sources = [list]`, e.g.
// R"("arm", "resource_graph")"; call after write_config.
void set_sources(environment& env, const std::string& list);

// GET /healthz as JSON; an empty object when nothing, or no JSON, answered.
json healthz(std::uint16_t port);

// One sample of /metrics, `series` written as exposed: name{label="value",...}; nullopt while
// it is not there.
std::optional<double> metric_sample(std::uint16_t port, const std::string& series);

// write_config("1s") with the health listener on a free port and the tenant reading `sources`
// (as set_sources takes them).
void write_config_with_sources(environment& env, const std::string& sources);

// Waits until the receiver has accepted an alert of `kind`; false when none came in `timeout`.
bool wait_accepted(environment& env, const std::string& kind, milliseconds timeout = wait_long);

// The file's bytes; "" when it cannot be read.
std::string read_text(const fs::path& p);

// `text` application/x-www-form-urlencoded: unreserved characters as they are, every other byte
// as %XX.
std::string form_encode(std::string_view text);

// An ARM access token that the fake's token endpoint issues to `user` (added to the fake here)
// with the password grant through the public client `client_id`: what a person signed in with
// az, or through the portal, holds. "" and a test failure when it is refused.
std::string user_token(environment& env, const fake::user_account& user, std::string_view client_id);

// Swaps the client_secret credential of the written config for `credential` (TOML lines);
// call after write_config.
void replace_credential(environment& env, const std::string& credential);

// One source's entry in /healthz for the tenant "contoso"; an empty object while it is not there.
json source_health(std::uint16_t port, const std::string& source);

// Where a delivery breaks docs/alert.schema.json: a rootwatch-format alert, or the alert in a
// CloudEvent's data; empty for a valid one and for other formats. The environment's receiver
// fails the running test on any.
std::vector<std::string> alert_schema_violations(const fake::delivery& d);

// The sources an alert's evidence names.
std::set<std::string> evidence_sources(const fake::delivery& d);

}  // namespace rootwatch::e2e
