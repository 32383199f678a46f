// Our Standard Webhooks signatures, checked by code that is not ours: the npm package
// `standardwebhooks` (installed once by the CTest fixture standardwebhooks_npm_install), and the
// two snippets of README.md "Verifying signatures" (Python stdlib, Node's node:crypto), run as
// they are written there so that the README cannot rot. Each runs against real deliveries of
// the real binary, including a retry after a 503, which is signed anew.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace rootwatch::e2e {
namespace {

// Output and exit code of `command` run by /bin/sh, stderr included.
struct shell_result {
  int code = -1;
  std::string out;
};

shell_result shell(const std::string& command) {
  shell_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return r;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    r.out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// The signed deliveries with their raw bodies and Standard Webhooks headers, and the secrets
// each must verify with, as the verifying scripts read them.
fs::path write_deliveries(const environment& env, const std::vector<fake::delivery>& deliveries,
                          const std::vector<std::string>& secrets) {
  json in{{"secrets", secrets}, {"deliveries", json::array()}};
  for (const auto& d : deliveries) {
    json headers = json::object();
    for (const char* name : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
      headers[name] = std::string(d.header(name).value_or(""));
    }
    in["deliveries"].push_back({{"body", d.body}, {"headers", headers}});
  }
  const fs::path p = env.dir() / "deliveries.json";
  write_text(p, in.dump(2));
  return p;
}

// An elevation delivered through one 503 (its retry re-signed), and a test alert: every
// delivery the receiver got, refused or not, each carrying the three headers.
std::vector<fake::delivery> signed_deliveries(environment& env) {
  const auto cfg = env.write_config();
  env.elevate();
  env.receiver().fail_next(1, 503);
  const auto check = env.run({"check", "--config", cfg.string()});
  EXPECT_EQ(check.code, 1) << check.out << check.err;
  const auto test_alert = env.run({"test-alert", "--config", cfg.string(), "--sink", "soc"});
  EXPECT_EQ(test_alert.code, 0) << test_alert.out << test_alert.err;
  auto all = env.receiver().deliveries();
  EXPECT_GE(all.size(), 3u) << "a 503, its retry, the test alert";
  EXPECT_EQ(all.empty() ? 0 : all.front().status, 503);
  for (const auto& d : all) {
    EXPECT_TRUE(d.header("webhook-signature")) << d.body;
  }
  return all;
}

TEST(signatures, the_npm_package_standardwebhooks_verifies_every_delivery_and_refuses_a_tampered_one) {
  environment env;
  const auto deliveries = signed_deliveries(env);
  ASSERT_FALSE(deliveries.empty());
  const auto input = write_deliveries(env, deliveries, {env.signing_secret()});
  const auto r = shell("node " + quoted(ROOTWATCH_VERIFY_STANDARDWEBHOOKS) + " " + quoted(ROOTWATCH_NPM_PREFIX) + " " +
                       quoted(input));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("all verified"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("NOT verified"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tampered body VERIFIED"), std::string::npos) << r.out;
}

// Issue 7 asks for key rotation: a sink with several secrets sends one "v1," signature per
// secret, space-separated, and each secret alone must verify: the secret file holds one
// "whsec_" key per line (see sinks/signing.hpp parse_signing_keys).
TEST(signatures, with_two_secrets_each_verifies_alone) {
  environment env;
  const std::string second = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  write_text(env.dir() / "signing.key", env.signing_secret() + "\n" + second + "\n");
  const auto deliveries = signed_deliveries(env);
  ASSERT_FALSE(deliveries.empty());
  const auto input = write_deliveries(env, deliveries, {env.signing_secret(), second});
  const auto r = shell("node " + quoted(ROOTWATCH_VERIFY_STANDARDWEBHOOKS) + " " + quoted(ROOTWATCH_NPM_PREFIX) + " " +
                       quoted(input));
  EXPECT_EQ(r.code, 0) << r.out;
}

// The fenced block of `language` in the README section "## Verifying signatures".
std::string readme_snippet(const std::string& language) {
  std::ifstream in(ROOTWATCH_README);
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const auto section = readme.find("\n## Verifying signatures");
  if (section == std::string::npos) {
    return {};
  }
  const auto next_section = readme.find("\n## ", section + 1);
  const std::string fence = "\n```" + language + "\n";
  const auto open = readme.find(fence, section);
  if (open == std::string::npos || open > next_section) {
    return {};
  }
  const auto body = open + fence.size();
  const auto close = readme.find("\n```", body);
  return close == std::string::npos ? std::string() : readme.substr(body, close - body + 1);
}

// Runs verify(secret, headers, body) of each snippet over every delivery and secret; it must
// accept each, and refuse it with the body's last character changed.
const char* const python_driver = R"(
import json, sys
data = json.load(open(sys.argv[1]))
failures = 0
for d in data["deliveries"]:
    body = d["body"].encode()
    tampered = body[:-1] + (b" " if body.endswith(b"}") else b"}")
    for secret in data["secrets"]:
        if not verify(secret, d["headers"], body):
            failures += 1
            print("NOT verified:", d["headers"]["webhook-id"])
        if verify(secret, d["headers"], tampered):
            failures += 1
            print("tampered body VERIFIED:", d["headers"]["webhook-id"])
print("all verified" if failures == 0 else f"{failures} failed")
sys.exit(1 if failures else 0)
)";

const char* const node_driver = R"(
const data = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8"));
let failures = 0;
for (const d of data.deliveries) {
  const body = Buffer.from(d.body, "utf8");
  const tampered = Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(d.body.endsWith("}") ? " " : "}")]);
  for (const secret of data.secrets) {
    if (!verify(secret, d.headers, body)) {
      failures++;
      console.log("NOT verified:", d.headers["webhook-id"]);
    }
    if (verify(secret, d.headers, tampered)) {
      failures++;
      console.log("tampered body VERIFIED:", d.headers["webhook-id"]);
    }
  }
}
console.log(failures === 0 ? "all verified" : `${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
)";

TEST(signatures, the_readme_snippets_verify_real_deliveries_and_refuse_a_tampered_one) {
  environment env;
  const auto deliveries = signed_deliveries(env);
  ASSERT_FALSE(deliveries.empty());
  const auto input = write_deliveries(env, deliveries, {env.signing_secret()});

  const std::string python = readme_snippet("python");
  ASSERT_NE(python.find("def verify("), std::string::npos) << "README.md: no ```python block defining verify()";
  write_text(env.dir() / "readme_verify.py", python + python_driver);
  const auto py = shell("python3 " + quoted(env.dir() / "readme_verify.py") + " " + quoted(input));
  EXPECT_EQ(py.code, 0) << py.out;
  EXPECT_NE(py.out.find("all verified"), std::string::npos) << py.out;

  const std::string node = readme_snippet("js");
  ASSERT_NE(node.find("function verify("), std::string::npos) << "README.md: no ```js block defining verify()";
  write_text(env.dir() / "readme_verify.cjs", node + node_driver);
  const auto js = shell("node " + quoted(env.dir() / "readme_verify.cjs") + " " + quoted(input));
  EXPECT_EQ(js.code, 0) << js.out;
  EXPECT_NE(js.out.find("all verified"), std::string::npos) << js.out;
}

}  // namespace
}  // namespace rootwatch::e2e
