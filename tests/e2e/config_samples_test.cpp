// Whatever `validate` accepts, `run` runs (issue 5, defect 9). Every TOML sample of the
// documentation (```toml blocks of the READMEs, and config/*.toml) goes through the real
// binary twice: `validate`, then `run` until it is ready and SIGTERM. Paths and URLs are
// pointed at temporary files and at the fakes; everything else, listen addresses and URL forms
// included, stays as the sample writes it.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

namespace rootwatch::e2e {
namespace {

fs::path source_dir() {
  return fs::weakly_canonical(fs::path(__FILE__).parent_path() / "../..");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct sample {
  std::string origin;  // "systemd/README.md, block 1"
  std::string text;
};

std::vector<sample> toml_blocks(const fs::path& markdown, const std::string& name) {
  std::vector<sample> out;
  std::istringstream in(slurp(markdown));
  std::string line;
  std::optional<std::string> block;
  while (std::getline(in, line)) {
    if (!block && line.rfind("```toml", 0) == 0) {
      block = std::string{};
    } else if (block && line.rfind("```", 0) == 0) {
      out.push_back({name + ", toml block " + std::to_string(out.size() + 1), *block});
      block.reset();
    } else if (block) {
      *block += line + "\n";
    }
  }
  return out;
}

std::vector<sample> all_samples() {
  const fs::path root = source_dir();
  std::vector<sample> out;
  for (const std::string doc : {"README.md", "config/README.md", "systemd/README.md"}) {
    auto blocks = toml_blocks(root / doc, doc);
    out.insert(out.end(), blocks.begin(), blocks.end());
  }
  for (const auto& entry : fs::directory_iterator(root / "config")) {
    if (entry.path().extension() == ".toml") {
      out.push_back({"config/" + entry.path().filename().string(), slurp(entry.path())});
    }
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  const auto end = s.find_last_not_of(" \t\r");
  return begin == std::string::npos ? std::string{} : s.substr(begin, end - begin + 1);
}

bool is_header(const std::string& line) {
  return !line.empty() && line.front() == '[';
}

std::string key_of(const std::string& line) {
  const auto eq = line.find('=');
  return eq == std::string::npos || line.front() == '#' ? std::string{} : trim(line.substr(0, eq));
}

std::string quoted(const std::string& value) {
  return "\"" + value + "\"";
}

// A sample with [key = value] lines of the given sections replaced or added. Sections are
// named as written ("[daemon]", "[[sink]]", "[tenant.credential]"); every table of that name
// gets the value.
class toml_lines {
 public:
  explicit toml_lines(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      lines_.push_back(line);
    }
  }

  bool has_section(const std::string& section) const {
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& l) { return trim(l) == section; });
  }

  void set(const std::string& section, const std::string& key, const std::string& value) {
    std::string current;
    std::optional<std::size_t> header;
    bool done = false;
    for (std::size_t i = 0; i <= lines_.size(); ++i) {
      const std::string line = i < lines_.size() ? trim(lines_[i]) : "[end]";
      if (is_header(line)) {
        if (current == section && !done && header) {
          lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(*header) + 1, key + " = " + value);
          ++i;
        }
        current = line;
        header = i;
        done = false;
        continue;
      }
      if (current == section && key_of(line) == key) {
        lines_[i] = key + " = " + value;
        done = true;
      }
    }
  }

  // Rewrites the value of `key` wherever it is set, whatever the section.
  void rewrite(const std::string& key, const std::function<std::string(const std::string&)>& to) {
    for (auto& l : lines_) {
      const std::string line = trim(l);
      if (key_of(line) != key) {
        continue;
      }
      std::smatch m;
      const std::string rest = line.substr(line.find('=') + 1);
      if (std::regex_search(rest, m, std::regex("\"([^\"]*)\""))) {
        l = key + " = " + quoted(to(m[1]));
      }
    }
  }

  std::string text() const {
    std::string out;
    for (const auto& l : lines_) {
      out += l + "\n";
    }
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

// A fragment (no [[tenant]] of its own) is laid over the example file: its keys are set in the
// sections of the same name there.
std::string complete(const sample& s, const std::string& example) {
  if (s.text.find("[[tenant]]") != std::string::npos) {
    return s.text;
  }
  toml_lines out(example);
  std::string section;
  std::istringstream in(s.text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (is_header(line)) {
      section = line;
    } else if (const auto key = key_of(line); !key.empty()) {
      out.set(section, key, trim(line.substr(line.find('=') + 1)));
    }
  }
  return out.text();
}

class samples : public ::testing::Test {
 protected:
  void SetUp() override {
    creds_ = env_.dir() / "credentials";
    fs::create_directories(creds_);
    ::setenv("CREDENTIALS_DIRECTORY", creds_.c_str(), 1);
    env_.azure().add_app({"11111111-1111-1111-1111-111111111111", "sample-secret",
                          "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a47", "rootwatch-sample"});
  }
  void TearDown() override { ::unsetenv("CREDENTIALS_DIRECTORY"); }

  // The sample, pointed at this test's files and fakes.
  std::string localise(const std::string& text, int n) {
    toml_lines t(text);
    const auto state = env_.dir() / ("state-" + std::to_string(n));
    t.rewrite("state_dir", [&](const std::string&) { return state.string(); });
    // The address form stays; port 0 keeps parallel tests apart.
    t.rewrite("listen",
              [](const std::string& v) { return v.empty() ? v : std::regex_replace(v, std::regex(":[0-9]+$"), ":0"); });
    t.rewrite("ca_file", [&](const std::string&) { return (env_.dir() / "ca.pem").string(); });
    t.rewrite("tenant_id", [&](const std::string&) { return env_.tenant_id(); });
    t.rewrite("client_id", [](const std::string&) { return std::string("11111111-1111-1111-1111-111111111111"); });
    t.rewrite("client_secret_file", [&](const std::string& v) { return secret_file(v, "sample-secret"); });
    t.rewrite("client_secret_env", [](const std::string& v) { return env_value(v, "sample-secret"); });
    t.rewrite("signing_secret_file", [&](const std::string& v) { return secret_file(v, env_.signing_secret()); });
    t.rewrite("signing_secret_env", [&](const std::string& v) { return env_value(v, env_.signing_secret()); });
    t.rewrite("url", [&](const std::string&) { return env_.receiver().url(); });
    t.rewrite("url_file", [&](const std::string& v) { return secret_file(v, env_.receiver().url()); });
    t.rewrite("url_env", [&](const std::string& v) { return env_value(v, env_.receiver().url()); });
    const std::string azure = env_.azure().base_url();
    if (t.has_section("[tenant.endpoints]")) {
      for (const std::string key : {"authority", "resource_manager", "graph"}) {
        t.set("[tenant.endpoints]", key, quoted(azure));
      }
    } else {
      for (const std::string key : {"authority", "resource_manager", "graph"}) {
        t.set("[[tenant]]", "endpoints." + key, quoted(azure));
      }
    }
    return t.text();
  }

  // A relative name is taken under $CREDENTIALS_DIRECTORY, as systemd's LoadCredential= does.
  std::string secret_file(const std::string& name, const std::string& content) {
    const fs::path p = fs::path(name).is_relative() ? creds_ / name : env_.dir() / fs::path(name).filename();
    spit(p, content + "\n");
    return name.empty() || fs::path(name).is_relative() ? name : p.string();
  }

  static std::string env_value(const std::string& name, const std::string& content) {
    ::setenv(name.c_str(), content.c_str(), 1);
    return name;
  }

  environment env_;
  fs::path creds_;
};

// `run` until it says it is running (the READY=1 point) or exits; then SIGTERM.
struct run_outcome {
  bool ran = false;
  std::optional<int> code;
  std::string err;
};

run_outcome run_until_ready(environment& env, const fs::path& config) {
  auto daemon = env.start({"run", "--config", config.string()});
  run_outcome out;
  const auto until = std::chrono::steady_clock::now() + wait_long;
  while (std::chrono::steady_clock::now() < until) {
    if (daemon.err().find(" running: ") != std::string::npos) {
      out.ran = true;
      break;
    }
    if (auto code = daemon.wait(milliseconds{100})) {
      out.code = code;
      out.err = daemon.err();
      return out;
    }
  }
  daemon.signal(SIGTERM);
  out.code = daemon.wait(wait_long);
  out.err = daemon.err();
  return out;
}

TEST_F(samples, every_documented_sample_validates_and_runs) {
  const auto found = all_samples();
  const auto example = std::find_if(found.begin(), found.end(),
                                    [](const sample& s) { return s.origin == "config/rootwatch.example.toml"; });
  ASSERT_NE(example, found.end()) << "config/rootwatch.example.toml not found under " << source_dir();
  ASSERT_GE(found.size(), 2u) << "expected the example file and the systemd README's block";
  int n = 0;
  for (const auto& s : found) {
    SCOPED_TRACE(s.origin);
    const auto path = env_.dir() / ("sample-" + std::to_string(++n) + ".toml");
    spit(path, localise(complete(s, example->text), n));
    const auto validated = env_.run({"validate", "--config", path.string()});
    EXPECT_EQ(validated.code, 0) << validated.err << "\n" << slurp(path);
    const auto ran = run_until_ready(env_, path);
    EXPECT_EQ(ran.ran, validated.code == 0) << ran.err;
    if (ran.ran) {
      EXPECT_EQ(ran.code, 0) << ran.err;
    } else {
      EXPECT_NE(ran.code.value_or(0), 0) << ran.err;
    }
  }
}

// The forms that passed validate and failed at run, through the binary: validate now refuses
// them, and run refuses them the same way before it is ready.
TEST_F(samples, validate_and_run_agree_on_listen_and_url_forms) {
  const auto example = slurp(source_dir() / "config/rootwatch.example.toml");
  struct form {
    std::string key;
    std::string value;
    bool runs;
  };
  const std::vector<form> forms{
      {"listen", "127.0.0.1:0", true},
      {"listen", "0.0.0.0:0", true},
      {"listen", "localhost:0", false},
      {"listen", "rootwatch.example.net:0", false},
      {"listen", ":0", false},
      {"listen", "127.0.0.1:0x", false},
      {"url", "https://soc:hunter2@127.0.0.1:1/hook", false},
      {"url", "https://127.0.0.1:1junk/hook", false},
  };
  int n = 100;
  for (const auto& f : forms) {
    SCOPED_TRACE(f.key + " = " + f.value);
    toml_lines t(localise(example, ++n));
    t.rewrite(f.key, [&](const std::string&) { return f.value; });
    const auto path = env_.dir() / ("form-" + std::to_string(n) + ".toml");
    spit(path, t.text());
    const auto validated = env_.run({"validate", "--config", path.string()});
    EXPECT_EQ(validated.code == 0, f.runs) << validated.err;
    const auto ran = run_until_ready(env_, path);
    EXPECT_EQ(ran.ran, f.runs) << ran.err;
    EXPECT_EQ(validated.err.find("hunter2"), std::string::npos) << validated.err;
    EXPECT_EQ(ran.err.find("hunter2"), std::string::npos) << ran.err;
  }
}

}  // namespace
}  // namespace rootwatch::e2e
