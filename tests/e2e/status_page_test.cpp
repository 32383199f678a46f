// The status page as a person sees it: the real daemon against the fake Azure with one firing,
// delivered alert, and the page loaded by headless Chromium (Debian's chromium package). The
// rendered DOM text is checked, and screenshots (phone and desktop) are saved under the test's
// working directory (the build tree: build/dev/tests/status_page/).

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <iostream>

extern char** environ;

namespace rootwatch::e2e {
namespace {

const fs::path chromium_binary = "/usr/bin/chromium";

struct browser_run {
  std::optional<int> code;  // nullopt: it did not finish in time (and was killed)
  std::string out;
  std::string err;
};

// Runs headless Chromium with `args` after the flags that make it work here: no sandbox (no
// user namespaces in this container), no GPU, and nothing fetched on its own (updates, sync,
// field trials), with a profile of its own. Its own process group, so that a Chromium that
// hangs is killed with all its helper processes.
browser_run chromium(const fs::path& work, const std::vector<std::string>& args) {
  static int runs = 0;
  const auto n = std::to_string(++runs);
  const auto profile = work / ("profile-" + n);
  fs::create_directories(profile);
  const auto out = work / ("chromium-" + n + ".out");
  const auto err = work / ("chromium-" + n + ".err");
  std::vector<std::string> argv_strings{chromium_binary.string(),
                                        "--headless",
                                        "--no-sandbox",
                                        "--disable-gpu",
                                        "--disable-quic",
                                        "--no-first-run",
                                        "--disable-background-networking",
                                        "--disable-component-update",
                                        "--disable-sync",
                                        "--user-data-dir=" + profile.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv_strings[0].c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  browser_run r;
  if (rc != 0) {
    r.err = "cannot start " + chromium_binary.string();
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{90};
  while (true) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(milliseconds{50});
  }
  // Helpers Chromium left behind in its group (crashpad) go with it.
  ::kill(-pid, SIGKILL);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// The DOM's text, roughly as a person reads it: tags dropped, entities of the page decoded.
std::string visible_text(std::string dom) {
  std::string text;
  bool in_tag = false;
  bool in_style = false;
  for (std::size_t i = 0; i < dom.size(); ++i) {
    if (dom.compare(i, 6, "<style") == 0) {
      in_style = true;
    } else if (dom.compare(i, 8, "</style>") == 0) {
      in_style = false;
    }
    const char c = dom[i];
    if (c == '<') {
      in_tag = true;
      text += ' ';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag && !in_style) {
      text += c;
    }
  }
  std::string out;
  for (const auto& [entity, ch] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    std::size_t at = 0;
    while ((at = text.find(entity, at)) != std::string::npos) {
      text.replace(at, entity.size(), ch);
      at += ch.size();
    }
  }
  // One space for every run of white space.
  bool space = false;
  for (const char c : text) {
    const bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (ws && !space && !out.empty()) {
      out += ' ';
    }
    if (!ws) {
      out += c;
    }
    space = ws;
  }
  return out;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(status_page, chromium_renders_the_firing_alert_and_its_delivery) {
  if (!fs::exists(chromium_binary)) {
    GTEST_SKIP() << chromium_binary << " is missing: install Debian's chromium package (apt-get install "
                 << "chromium) to run the status page test";
  }
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  const std::string principal = "a11ce000-0000-4000-8000-000000000001";
  env.elevate(principal);
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  // The delivery is marked after the receiver's 2xx: wait for the page to say so.
  ASSERT_TRUE(wait_until([&] {
    const auto page = http_get_local(port, "/");
    return page.status == 200 && contains(page.body, "class=\"b good\">delivered<") && contains(page.body, "1 firing");
  })) << http_get_local(port, "/").body;

  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const auto dump = chromium(env.dir(), {"--dump-dom", url});
  ASSERT_EQ(dump.code, 0) << dump.err;
  const auto text = visible_text(dump.out);
  EXPECT_TRUE(contains(text, "contoso ok")) << text;
  EXPECT_TRUE(contains(text, "Assignments now: 1, 1 firing")) << text;
  EXPECT_TRUE(contains(text, "firing critical User Access Administrator")) << text;
  EXPECT_TRUE(contains(text, principal)) << text;
  EXPECT_TRUE(contains(text, "assignment.created critical firing contoso")) << text;
  EXPECT_TRUE(contains(text, "soc delivered 1 attempt")) << text;
  EXPECT_TRUE(contains(text, "0 pending deliveries")) << text;
  EXPECT_TRUE(contains(text, "config " + env.config_path().string())) << text;
  // Nothing to run, and no secret: neither the client secret nor the signing key is on the page.
  EXPECT_FALSE(contains(dump.out, "<script"));
  EXPECT_FALSE(contains(dump.out, env.client_secret()));
  EXPECT_FALSE(contains(dump.out, env.signing_secret()));

  // Screenshots in the build tree (ctest runs this in build/<preset>/tests), kept after the run.
  const auto shots = fs::absolute(fs::current_path() / "status_page");
  fs::create_directories(shots);
  for (const auto& [name, size] :
       std::vector<std::pair<std::string, std::string>>{{"phone.png", "412,915"}, {"desktop.png", "1366,900"}}) {
    const auto path = shots / name;
    fs::remove(path);
    const auto shot =
        chromium(env.dir(), {"--hide-scrollbars", "--screenshot=" + path.string(), "--window-size=" + size, url});
    ASSERT_EQ(shot.code, 0) << shot.err;
    ASSERT_TRUE(fs::exists(path)) << shot.err;
    EXPECT_GT(fs::file_size(path), 10'000u) << path;
    std::cout << "status page screenshot: " << path.string() << "\n";
  }

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
