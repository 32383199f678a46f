// Twenty tenants in one rootwatch process (issue 6, "Done when"), each behind its own fake
// Azure (one fake serves one tenant id; separate instances give each tenant its own faults).
// One tenant's ARM list hangs: it goes `failing`, while the other nineteen keep completing
// cycles, and the elevation in each of them is alerted once.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>

namespace rootwatch::e2e {
namespace {

constexpr int healthy_tenants = 19;
const std::string broken = "contoso";  // the harness's own tenant, and its own fake

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

struct tenant {
  std::string name;
  std::unique_ptr<fake::fake_azure> azure;
};

// The config's one [[tenant]] table copied for each healthy tenant, with its name, id and fake.
// Their deadline is generous: on a loaded machine twenty tenants share two cores, and a slow
// cycle must not read as the failure this test is about.
void add_tenants(environment& env, const std::vector<tenant>& tenants) {
  std::string config = read_text(env.config_path());
  const auto begin = config.find("[[tenant]]");
  const auto end = config.find("[[sink]]");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string table = config.substr(begin, end - begin);
  std::string more;
  for (const auto& t : tenants) {
    std::string copy = table;
    replace_all(copy, "name = \"contoso\"", "name = \"" + t.name + "\"");
    replace_all(copy, env.tenant_id(), t.azure->tenant_id());
    replace_all(copy, env.azure().base_url(), t.azure->base_url());
    replace_all(copy, "request_timeout = \"5s\"\n", "request_timeout = \"5s\"\ncycle_timeout = \"30s\"\n");
    more += copy;
  }
  config.insert(end, more);
  std::ofstream(env.config_path()) << config;
}

json tenant_health(const json& h, const std::string& name) {
  if (!h.contains("tenants") || !h["tenants"].contains(name)) {
    return json::object();
  }
  return h["tenants"][name];
}

std::string alerted_tenant(const fake::delivery& d) {
  return d.body_json && d.body_json->contains("tenant") ? (*d.body_json)["tenant"].value("id", "") : "";
}

TEST(many_tenants, twenty_tenants_in_one_process_and_one_hanging_delays_none) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  std::vector<tenant> tenants;
  for (int i = 1; i <= healthy_tenants; ++i) {
    tenant t;
    t.name = fmt::format("t{:02}", i);
    t.azure = env.start_azure(fmt::format("7e57e000-0000-4000-8000-0000000000{:02}", i));
    tenants.push_back(std::move(t));
  }
  add_tenants(env, tenants);
  ASSERT_FALSE(HasFailure());
  // The broken tenant's deadline is the first table's: short next to the healthy tenants' 30 s,
  // long enough for each of them to complete several 1 s cycles inside one broken cycle.
  set_tenant_keys(env, "cycle_timeout = \"10s\"", "info");
  // Its ARM list answers half a page and then nothing, for longer than any deadline.
  fake::fault hang;
  hang.route = fake::azure_route::role_assignments;
  hang.kind = fake::fault_kind::stall;
  hang.delay = milliseconds{120'000};
  hang.count = std::nullopt;
  env.azure().inject_fault(hang);

  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until(
      [&] {
        const json h = healthz(port);
        if (tenant_health(h, broken).value("status", "") != "failing") {
          return false;
        }
        for (const auto& t : tenants) {
          if (tenant_health(h, t.name).value("status", "") != "ok") {
            return false;
          }
        }
        return true;
      },
      milliseconds{90'000}))
      << http_get_local(port, "/healthz").body << daemon.err();

  // An elevation in every healthy tenant: each alerted once, in its own tenant.
  for (auto& t : tenants) {
    fake::role_assignment a;
    a.role_definition_id = std::string(fake::user_access_administrator_id);
    a.principal_id = "a11ce000-0000-4000-8000-000000000001";
    t.azure->add_assignment(std::move(a));
  }
  ASSERT_TRUE(env.receiver().wait_for(
      [](const auto& all) { return accepted(all, "assignment.created").size() >= healthy_tenants; },
      milliseconds{90'000}))
      << daemon.err();

  // While the broken tenant sits in one hanging cycle (its failure count does not move), every
  // healthy tenant completes cycles of its own. Tenants that waited for one another would get
  // at most one cycle in each of the broken tenant's. The window may straddle the end of a
  // broken cycle, so it is tried a few times.
  bool independent = false;
  for (int attempt = 0; attempt < 5 && !independent; ++attempt) {
    const json before = healthz(port);
    const auto failures = tenant_health(before, broken).value("consecutive_failures", -1);
    std::map<std::string, std::set<std::string>> seen;
    bool healthy_throughout = true;
    const bool advanced = wait_until(
        [&] {
          const json h = healthz(port);
          bool all = true;
          for (const auto& t : tenants) {
            const json th = tenant_health(h, t.name);
            healthy_throughout = healthy_throughout && th.value("status", "") == "ok";
            if (th.contains("last_success") && th["last_success"].is_string()) {
              seen[t.name].insert(th["last_success"].get<std::string>());
            }
            all = all && seen[t.name].size() >= 3;
          }
          return all;
        },
        milliseconds{60'000});
    EXPECT_TRUE(healthy_throughout) << http_get_local(port, "/healthz").body;
    ASSERT_TRUE(advanced) << http_get_local(port, "/healthz").body << daemon.err();
    const json after = healthz(port);
    EXPECT_EQ(tenant_health(after, broken).value("status", ""), "failing") << after.dump();
    independent = failures >= 1 && tenant_health(after, broken).value("consecutive_failures", -1) == failures;
  }
  EXPECT_TRUE(independent) << http_get_local(port, "/healthz").body;

  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  std::map<std::string, int> per_tenant;
  for (const auto& d : created) {
    per_tenant[alerted_tenant(d)] += 1;
  }
  EXPECT_EQ(created.size(), static_cast<std::size_t>(healthy_tenants));
  for (const auto& t : tenants) {
    EXPECT_EQ(per_tenant[t.azure->tenant_id()], 1) << t.name;
  }
  EXPECT_EQ(per_tenant[env.tenant_id()], 0);
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.removed").empty());
  // The hanging tenant does not hold up shutdown either.
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{30'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
