#include "e2e/harness.hpp"

#include "common/encoding.hpp"
#include "fake/test_client.hpp"
#include "support/json_schema.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace rootwatch::e2e {
namespace {

// Every rootwatch-format alert the receiver gets is checked against docs/alert.schema.json, so
// that the e2e tests prove the published contract for every kind they make the binary send.
const test::json_schema& alert_schema() {
  static const test::json_schema schema = [] {
    std::string problem;
    auto loaded = test::json_schema::load_file(ROOTWATCH_ALERT_SCHEMA, &problem);
    if (!loaded) {
      throw std::runtime_error("docs/alert.schema.json: " + problem);
    }
    return *loaded;
  }();
  return schema;
}

// Called on the receiver's thread for each delivery, before a test can see it; GoogleTest
// failures are thread-safe.
void check_alert_schema(const fake::delivery& d) {
  const auto problems = alert_schema_violations(d);
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) {
      text += "\n  " + p;
    }
    ADD_FAILURE() << "the receiver got an alert that breaks docs/alert.schema.json:" << text << "\nbody: " << d.body;
  }
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string random_bytes(std::size_t n) {
  std::random_device rd;
  std::string out(n, '\0');
  for (auto& c : out) {
    c = static_cast<char>(rd() & 0xff);
  }
  return out;
}

fs::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "e2e";
  auto dir = fs::temp_directory_path() / ("rootwatch-e2e-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

child::child(child&& other) noexcept
    : pid_(other.pid_), out_(std::move(other.out_)), err_(std::move(other.err_)), reaped_(other.reaped_) {
  other.reaped_ = true;
}

child::~child() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::optional<int> child::wait(milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
      }
      return 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(milliseconds{20});
  }
}

void child::signal(int sig) {
  if (!reaped_) {
    ::kill(pid_, sig);
  }
}

std::string child::out() const {
  return read_text(out_);
}

std::string child::err() const {
  return read_text(err_);
}

environment::environment() : dir_(fresh_dir()), ca_(fake::test_ca::generate()) {
  fake::fake_azure_options ao;
  ao.certificate = ca_.issue("localhost");
  auto azure = fake::fake_azure::start(std::move(ao));
  if (!azure) {
    throw std::runtime_error(azure.error().message);
  }
  azure_ = std::move(*azure);
  client_secret_ = base64_encode(random_bytes(24));
  azure_->add_app({client_id_, client_secret_, "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46", "rootwatch"});
  signing_secret_ = "whsec_" + base64_encode(random_bytes(32));
  fake::receiver_options ro;
  ro.certificate = ca_.issue("localhost");
  ro.secret = signing_secret_;
  ro.before_record = check_alert_schema;
  auto receiver = fake::fake_receiver::start(std::move(ro));
  if (!receiver) {
    throw std::runtime_error(receiver.error().message);
  }
  receiver_ = std::move(*receiver);
  if (auto r = ca_.write_ca((dir_ / "ca.pem").string()); !r) {
    throw std::runtime_error(r.error().message);
  }
  write_client_secret(client_secret_);
  write_file(dir_ / "signing.key", signing_secret_ + "\n");
}

environment::~environment() {
  receiver_->stop();
  azure_->stop();
  if (!::testing::Test::HasFailure()) {
    fs::remove_all(dir_);
  }
}

void environment::write_client_secret(const std::string& secret) {
  write_file(dir_ / "client.secret", secret + "\n");
}

fs::path environment::write_config(const std::string& poll_interval, const std::string& baseline,
                                   const sink_options& sink, const std::string& extra) {
  std::ostringstream c;
  c << "[daemon]\n"
    << "state_dir = \"" << (dir_ / "state").string() << "\"\n"
    << "listen = \"" << listen << "\"\n"
    << "log_level = \"debug\"\n"
    << "shutdown_grace = \"5s\"\n\n"
    << "[tls]\nca_file = \"" << (dir_ / "ca.pem").string() << "\"\n\n"
    << "[[tenant]]\n"
    << "name = \"contoso\"\n"
    << "tenant_id = \"" << azure_->tenant_id() << "\"\n"
    << "poll_interval = \"" << poll_interval << "\"\n"
    << "sources = [\"arm\"]\n"
    << "baseline = \"" << baseline << "\"\n"
    << "request_timeout = \"5s\"\n"
    << "  [tenant.credential]\n"
    << "  kind = \"client_secret\"\n"
    << "  client_id = \"" << client_id_ << "\"\n"
    << "  client_secret_file = \"" << (dir_ / "client.secret").string() << "\"\n"
    << "  [tenant.endpoints]\n"
    << "  authority = \"" << azure_->base_url() << "\"\n"
    << "  resource_manager = \"" << azure_->base_url() << "\"\n"
    << "  graph = \"" << azure_->base_url() << "\"\n\n"
    << "[[sink]]\n"
    << "name = \"" << sink.name << "\"\n"
    << "kind = \"webhook\"\n"
    << "url = \"" << receiver_->url() << sink.url_suffix << "\"\n"
    << "timeout = \"" << sink.timeout << "\"\n"
    << "retry_initial_backoff = \"" << sink.retry_initial_backoff << "\"\n"
    << "retry_max_backoff = \"" << sink.retry_max_backoff << "\"\n"
    << "give_up_after = \"" << sink.give_up_after << "\"\n";
  if (sink.signed_) {
    c << "signing_secret_file = \"" << (dir_ / "signing.key").string() << "\"\n";
  }
  c << "\n" << extra;
  write_file(config_path(), c.str());
  return config_path();
}

child environment::start(const std::vector<std::string>& args) {
  const int n = ++children_;
  const auto out = dir_ / ("child-" + std::to_string(n) + ".out");
  const auto err = dir_ / ("child-" + std::to_string(n) + ".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_strings{ROOTWATCH_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, ROOTWATCH_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + std::string(ROOTWATCH_BINARY));
  }
  return child(pid, out, err);
}

run_result environment::run(const std::vector<std::string>& args, milliseconds timeout) {
  auto c = start(args);
  const auto code = c.wait(timeout);
  run_result r;
  r.code = code.value_or(-1);
  r.out = c.out();
  r.err = c.err();
  return r;
}

std::string environment::elevate(const std::string& principal_id) {
  fake::role_assignment a;
  a.role_definition_id = std::string(fake::user_access_administrator_id);
  a.principal_id = principal_id;
  a.principal_type = "User";
  a.created_by = principal_id;
  return azure_->add_assignment(std::move(a)).name;
}

std::vector<fake::delivery> accepted(const std::vector<fake::delivery>& all, const std::string& kind) {
  std::vector<fake::delivery> out;
  for (const auto& d : all) {
    if (d.status >= 200 && d.status < 300 && d.body_json && d.body_json->value("kind", "") == kind) {
      out.push_back(d);
    }
  }
  return out;
}

bool wait_until(const std::function<bool()>& done, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds{100});
  }
  return true;
}

std::uint16_t health_port_in_log(const child& daemon) {
  std::uint16_t port = 0;
  wait_until([&] {
    std::smatch m;
    const std::string err = daemon.err();
    if (std::regex_search(err, m, std::regex("health on 127\\.0\\.0\\.1:([0-9]+)"))) {
      port = static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    return port != 0;
  });
  return port;
}

net::response http_get_local(std::uint16_t port, const std::string& path) {
  auto r = fake::fetch("", "GET", "http://127.0.0.1:" + std::to_string(port) + path);
  return r ? *r : net::response{};
}

void set_tenant_keys(environment& env, const std::string& keys, const std::string& log_level) {
  std::string text = read_text(env.config_path());
  const std::string anchor = "request_timeout = \"5s\"\n";
  const auto at = text.find(anchor);
  if (at == std::string::npos) {
    throw std::runtime_error("set_tenant_keys: no request_timeout line in the config");
  }
  // A key given in `keys` wins over the harness default: drop the default line then.
  const bool own_timeout = keys.find("request_timeout") != std::string::npos;
  text.replace(at, anchor.size(), (own_timeout ? std::string() : anchor) + keys + "\n");
  const std::string level = "log_level = \"debug\"";
  if (const auto l = text.find(level); l != std::string::npos) {
    text.replace(l, level.size(), "log_level = \"" + log_level + "\"");
  }
  write_file(env.config_path(), text);
}

std::unique_ptr<fake::fake_azure> environment::start_azure(const std::string& tenant_id) {
  fake::fake_azure_options ao;
  ao.certificate = ca_.issue("localhost");
  ao.tenant_id = tenant_id;
  auto azure = fake::fake_azure::start(std::move(ao));
  if (!azure) {
    throw std::runtime_error(azure.error().message);
  }
  (*azure)->add_app({client_id_, client_secret_, "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46", "rootwatch"});
  return std::move(*azure);
}

void set_sources(environment& env, const std::string& list) {
  std::string text = read_text(env.config_path());
  const std::string only_arm = "sources = [\"arm\"]";
  const auto at = text.find(only_arm);
  if (at == std::string::npos) {
    throw std::runtime_error("set_sources: no sources line in the config");
  }
  text.replace(at, only_arm.size(), "sources = [" + list + "]");
  write_file(env.config_path(), text);
}

json healthz(std::uint16_t port) {
  const json parsed = json::parse(http_get_local(port, "/healthz").body, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

std::optional<double> metric_sample(std::uint16_t port, const std::string& series) {
  std::istringstream lines(http_get_local(port, "/metrics").body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      try {
        return std::stod(line.substr(series.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

void write_config_with_sources(environment& env, const std::string& sources) {
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  set_sources(env, sources);
}

bool wait_accepted(environment& env, const std::string& kind, milliseconds timeout) {
  return env.receiver().wait_for([&kind](const auto& all) { return !accepted(all, kind).empty(); }, timeout);
}

std::string form_encode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string user_token(environment& env, const fake::user_account& user, std::string_view client_id) {
  env.azure().add_user(user);
  const std::string body =
      fmt::format("grant_type=password&client_id={}&username={}&password={}&scope={}", client_id, form_encode(user.upn),
                  form_encode(user.password), form_encode(env.azure().base_url() + "/.default"));
  auto r = fake::fetch(read_text(env.dir() / "ca.pem"), "POST", env.azure().token_url(),
                       {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
  if (!r || r->status != 200) {
    ADD_FAILURE() << (r ? r->body : r.error().message);
    return {};
  }
  return json::parse(r->body).value("access_token", "");
}

void replace_credential(environment& env, const std::string& credential) {
  std::string text = read_text(env.config_path());
  const auto begin = text.find("  kind = \"client_secret\"");
  const auto end = text.find("  [tenant.endpoints]");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  text.replace(begin, end - begin, credential);
  write_file(env.config_path(), text);
}

json source_health(std::uint16_t port, const std::string& source) {
  const json h = healthz(port);
  if (!h.contains("tenants") || !h["tenants"].contains("contoso") || !h["tenants"]["contoso"].contains("sources") ||
      !h["tenants"]["contoso"]["sources"].contains(source)) {
    return json::object();
  }
  return h["tenants"]["contoso"]["sources"][source];
}

std::set<std::string> evidence_sources(const fake::delivery& d) {
  std::set<std::string> out;
  if (d.body_json && d.body_json->contains("evidence")) {
    for (const auto& e : (*d.body_json)["evidence"]) {
      out.insert(e.value("source", ""));
    }
  }
  return out;
}

std::vector<std::string> alert_schema_violations(const fake::delivery& d) {
  if (!d.body_json || !d.body_json->is_object()) {
    return {};
  }
  const json& body = *d.body_json;
  // The rootwatch format is the alert itself; CloudEvents carries it as `data`. The other
  // formats are checked by their own tests.
  if (body.contains("schema") || body.contains("correlation_key")) {
    return alert_schema().validate(body);
  }
  if (body.contains("specversion") && body.contains("data") && body["data"].is_object()) {
    auto problems = alert_schema().validate(body["data"]);
    for (auto& p : problems) {
      p = "/data" + p;
    }
    return problems;
  }
  return {};
}

}  // namespace rootwatch::e2e
