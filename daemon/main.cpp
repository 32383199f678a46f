// rootwatch: argv, environment, signals and exit codes live here and nowhere else.

#include "app/check.hpp"
#include "app/daemon.hpp"
#include "app/generation.hpp"
#include "app/outbox_command.hpp"
#include "app/probe.hpp"
#include "common/strings.hpp"
#include "common/version.hpp"
#include "config/load.hpp"
#include "ops/logging.hpp"
#include "ops/memory_trim.hpp"
#include "sinks/routing.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace rootwatch;

constexpr const char* usage_text =
    "usage:\n"
    "  rootwatch run        --config FILE   run the daemon (systemd, container)\n"
    "  rootwatch check      --config FILE [--deliver-for DURATION]\n"
    "                                       one full cycle for every tenant, then delivery of the\n"
    "                                       queued alerts, retried with each sink's backoff for up\n"
    "                                       to DURATION (default 60s; 0s: one attempt); exit\n"
    "                                       0 nothing firing and all delivered, 1 alerts firing\n"
    "                                       (or an elevation in the logs; undelivered ones are\n"
    "                                       named), 2 error, or alerts still waiting with nothing\n"
    "                                       firing\n"
    "  rootwatch validate   --config FILE   check the configuration; exit 0 when valid, 2 otherwise\n"
    "  rootwatch test-alert --config FILE --sink NAME   send a clearly marked test alert and\n"
    "                                       print the receiver's answer; exit 0 on 2xx, 2 otherwise\n"
    "  rootwatch outbox list  --config FILE [--state pending|dead|delivered|all] [--sink NAME] [--json]\n"
    "                                       the outbox's rows, pending and dead by default; --json\n"
    "                                       prints one JSON object per line\n"
    "  rootwatch outbox retry --config FILE (--seq N... | --alert ID | --sink NAME | --all-dead)\n"
    "                                       matching dead and pending rows are due again now, with\n"
    "                                       attempts and give_up_after restarted; a running daemon\n"
    "                                       sends them within 30s\n"
    "  rootwatch outbox drop  --config FILE (--seq N... | --alert ID | --sink NAME)\n"
    "                                       matching pending rows are marked dead, never deleted\n"
    "                                       (all outbox commands are safe while the daemon runs)\n"
    "  rootwatch probe [--url URL | --config FILE] [--timeout DURATION]\n"
    "                                       GET the daemon's /healthz over loopback HTTP (default\n"
    "                                       http://127.0.0.1:9469/healthz, or [daemon] listen of\n"
    "                                       FILE) within DURATION (default 3s): a health check\n"
    "                                       without curl; exit 0 on 2xx, 1 otherwise, 2 on usage\n"
    "  rootwatch --version\n";

constexpr int exit_usage = 2;

struct arguments {
  std::string command;
  std::string config;
  std::string sink;
  std::optional<std::string> deliver_for;
  // After `outbox` or `probe`, but --config: app::parse_outbox_arguments or app::parse_probe_arguments
  // reads them.
  std::vector<std::string> command_args;
};

std::optional<arguments> parse_arguments(int argc, char** argv) {
  arguments out;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](const std::string& flag, std::string& into) {
      if (a == flag && i + 1 < args.size()) {
        into = args[++i];
        return true;
      }
      if (a.rfind(flag + "=", 0) == 0) {
        into = a.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    if (value("--config", out.config)) {
      continue;
    }
    if (out.command == "outbox" || out.command == "probe") {
      out.command_args.push_back(a);
      continue;
    }
    if (value("--sink", out.sink)) {
      continue;
    }
    if (std::string v; value("--deliver-for", v)) {
      out.deliver_for = std::move(v);
      continue;
    }
    if (!a.empty() && a.front() != '-' && out.command.empty()) {
      out.command = a;
      continue;
    }
    std::fprintf(stderr, "rootwatch: unexpected argument '%s'\n", a.c_str());
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> environment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

std::optional<ops::log_format_request> configured_log_format(const config::settings& cfg) {
  if (!cfg.daemon.format) {
    return std::nullopt;
  }
  switch (*cfg.daemon.format) {
    case config::log_format::text:
      return ops::log_format_request::text;
    case config::log_format::json:
      return ops::log_format_request::json;
    case config::log_format::automatic:
      return ops::log_format_request::automatic;
  }
  return std::nullopt;
}

result<ops::log_style> log_style_for(const config::settings& cfg) {
  const ops::log_stream stream{.journal = ops::stderr_is_journal(environment("JOURNAL_STREAM")),
                               .terminal = ::isatty(STDERR_FILENO) == 1};
  return ops::choose_log_style(configured_log_format(cfg), environment("ROOTWATCH_LOG_FORMAT"), stream);
}

// Raises the soft RLIMIT_NOFILE to the hard limit. The soft default of 1024 exists for programs
// that use select(); Asio uses epoll, and every tenant, sink and health client needs sockets.
// Failing to raise it is not fatal: the daemon works within the lower limit.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::debug("cannot read the descriptor limit: {}", std::strerror(errno));
    return;
  }
  if (limit.rlim_cur >= limit.rlim_max) {
    spdlog::debug("descriptor limit {} is already the hard limit", limit.rlim_cur);
    return;
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::debug("cannot raise the descriptor limit from {} to {}: {}", before, limit.rlim_max, std::strerror(errno));
    return;
  }
  spdlog::debug("descriptor limit raised from {} to the hard limit {}", before, limit.rlim_max);
}

int print_problems(const std::vector<config::problem>& problems) {
  for (const auto& p : problems) {
    std::fprintf(stderr, "%s\n", p.to_string().c_str());
  }
  return exit_usage;
}

int validate(const config::settings& cfg) {
  const auto problems = app::runtime_problems(cfg, environment);
  for (const auto& p : problems) {
    std::fprintf(stderr, "%s\n", p.c_str());
  }
  if (!problems.empty()) {
    return exit_usage;
  }
  for (const auto& w : sinks::unrouted_alerts(cfg)) {
    std::fprintf(stderr, "%s: warning: %s\n", cfg.path.c_str(), w.c_str());
  }
  std::printf("%s: valid (%zu tenant(s), %zu rule(s), %zu sink(s))\n", cfg.path.c_str(), cfg.tenants.size(),
              cfg.rules.size(), cfg.sinks.size());
  return 0;
}

std::string describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

asio::awaitable<void> handle_signals(asio::signal_set& signals, app::daemon& d) {
  while (true) {
    auto [ec, number] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
    if (number == SIGHUP) {
      d.request_reload();
      continue;
    }
    if (d.stop_requested()) {
      // A second TERM/INT: the operator does not want to wait. State is committed per
      // transaction, so leaving now loses nothing.
      spdlog::warn("second stop signal: exiting immediately");
      std::_Exit(1);
    }
    spdlog::info("received {}", number == SIGTERM ? "SIGTERM" : "SIGINT");
    d.request_stop();
  }
}

int run_daemon(config::settings cfg) {
  asio::io_context io(1);
  const std::string path = cfg.path;
  auto d = app::daemon::create(io.get_executor(), app::options{std::move(cfg), environment},
                               [path]() { return config::load_file(path); });
  if (!d) {
    // One line per problem, so that each keeps its journal priority.
    for (const auto& line : split(d.error().message, '\n')) {
      spdlog::error("cannot start: {}", line);
    }
    return d.error().kind == error_kind::config ? exit_usage : 1;
  }
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  asio::co_spawn(io, handle_signals(signals, **d), [&io](std::exception_ptr e) {
    if (e) {
      spdlog::critical("signal handling failed: {}", describe(e));
      io.stop();
    }
  });
  int code = 1;
  asio::co_spawn(io, (*d)->run(), [&](std::exception_ptr e, int result) {
    if (e) {
      spdlog::critical("rootwatch stopped on an unexpected error: {}", describe(e));
      // The other coroutines would keep the loop alive and SIGTERM would go unheard.
      io.stop();
    }
    code = e ? 1 : result;
    signals.cancel();
  });
  io.run();
  return code;
}

template <class Task>
int run_once(Task task) {
  asio::io_context io(1);
  int code = app::exit_error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, int result) {
    if (e) {
      spdlog::critical("unexpected error: {}", describe(e));
      return;
    }
    code = result;
  });
  io.run();
  return code;
}

// `check` stops retrying on SIGINT/SIGTERM while it delivers, and reports what is still
// waiting. Before that (during the cycles) and on a second signal, the signal keeps its default
// effect and ends the process, as it always has: every commit is one transaction.
asio::awaitable<void> interrupt_check(asio::signal_set& signals, app::check_interrupt& interrupt) {
  while (true) {
    auto [ec, number] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
    if (interrupt.request()) {
      spdlog::info("received {}: delivery stops", number == SIGTERM ? "SIGTERM" : "SIGINT");
      continue;
    }
    signals.clear();
    std::signal(number, SIG_DFL);
    std::raise(number);
  }
}

int run_check(config::settings cfg, app::check_options how) {
  asio::io_context io(1);
  app::check_interrupt interrupt;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::co_spawn(io, interrupt_check(signals, interrupt), [&io](std::exception_ptr e) {
    if (e) {
      spdlog::critical("signal handling failed: {}", describe(e));
      io.stop();
    }
  });
  int code = app::exit_error;
  asio::co_spawn(io, app::run_check(app::options{std::move(cfg), environment}, how, interrupt),
                 [&](std::exception_ptr e, int result) {
                   if (e) {
                     spdlog::critical("unexpected error: {}", describe(e));
                   } else {
                     code = result;
                   }
                   signals.cancel();
                 });
  io.run();
  return code;
}

// `rootwatch probe`: no logging set-up and no config beyond [daemon] listen; one line out.
int probe(const arguments& args) {
  const auto how = app::parse_probe_arguments(args.command_args);
  if (!how) {
    std::fprintf(stderr, "rootwatch probe: %s\n", how.error().message.c_str());
    return app::probe_usage;
  }
  std::string url(app::default_probe_url);
  if (how->url && !args.config.empty()) {
    std::fprintf(stderr, "rootwatch probe: give --url or --config, not both\n");
    return app::probe_usage;
  }
  if (how->url) {
    url = *how->url;
  } else if (!args.config.empty()) {
    auto loaded = config::load_file(args.config);
    if (!loaded.value) {
      return print_problems(loaded.problems);
    }
    auto from_listen = app::probe_url_for_listen(loaded.value->daemon.listen);
    if (!from_listen) {
      std::fprintf(stderr, "rootwatch probe: %s: %s\n", args.config.c_str(), from_listen.error().message.c_str());
      return app::probe_usage;
    }
    url = std::move(*from_listen);
  }
  asio::io_context io(1);
  app::probe_outcome outcome{app::probe_unhealthy, "no outcome"};
  asio::co_spawn(io, app::run_probe(io.get_executor(), url, how->timeout),
                 [&](std::exception_ptr e, app::probe_outcome result) {
                   if (e) {
                     outcome.line = "unexpected error: " + describe(e);
                     return;
                   }
                   outcome = std::move(result);
                 });
  io.run();
  std::fprintf(outcome.code == app::probe_healthy ? stdout : stderr, "rootwatch probe: %s\n", outcome.line.c_str());
  return outcome.code;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer closing a TLS connection must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  rootwatch::ops::tune_allocator();
  if (argc == 2 && (std::string(argv[1]) == "--version" || std::string(argv[1]) == "version")) {
    std::printf("rootwatch %s\n", version);
    return 0;
  }
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  const auto args = parse_arguments(argc, argv);
  if (!args || args->command.empty()) {
    std::fputs(usage_text, stderr);
    return exit_usage;
  }
  if (args->command == "probe") {
    return probe(*args);
  }
  const std::vector<std::string> commands{"run", "check", "validate", "test-alert", "outbox"};
  if (std::find(commands.begin(), commands.end(), args->command) == commands.end()) {
    std::fprintf(stderr, "rootwatch: unknown command '%s'\n%s", args->command.c_str(), usage_text);
    return exit_usage;
  }
  if (args->config.empty()) {
    std::fprintf(stderr, "rootwatch %s: --config FILE is required\n", args->command.c_str());
    return exit_usage;
  }
  std::optional<app::outbox_request> outbox_how;
  if (args->command == "outbox") {
    auto parsed = app::parse_outbox_arguments(args->command_args);
    if (!parsed) {
      std::fprintf(stderr, "rootwatch outbox: %s\n", parsed.error().message.c_str());
      return exit_usage;
    }
    outbox_how = std::move(*parsed);
  }
  app::check_options check_how;
  if (args->deliver_for) {
    if (args->command != "check") {
      std::fprintf(stderr, "rootwatch %s: --deliver-for is for `rootwatch check` only\n", args->command.c_str());
      return exit_usage;
    }
    const auto d = app::parse_deliver_for(*args->deliver_for);
    if (!d) {
      std::fprintf(stderr, "rootwatch check: %s\n", d.error().message.c_str());
      return exit_usage;
    }
    check_how.deliver_for = *d;
  }
  auto loaded = config::load_file(args->config);
  if (!loaded.value) {
    return print_problems(loaded.problems);
  }
  auto& cfg = *loaded.value;
  if (args->command == "validate") {
    return validate(cfg);
  }
  if (outbox_how) {
    const auto done = app::run_outbox(cfg, *outbox_how, std::chrono::system_clock::now());
    std::fputs(done.out.c_str(), stdout);
    std::fputs(done.err.c_str(), stderr);
    return done.code;
  }
  const auto style = log_style_for(cfg);
  if (!style) {
    std::fprintf(stderr, "rootwatch %s: %s\n", args->command.c_str(), style.error().message.c_str());
    return exit_usage;
  }
  if (auto r = ops::setup_logging(cfg.daemon.log_level, *style); !r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return exit_usage;
  }
  raise_descriptor_limit();
  if (args->command == "run") {
    return run_daemon(std::move(cfg));
  }
  if (args->command == "check") {
    return run_check(std::move(cfg), check_how);
  }
  if (args->sink.empty()) {
    std::fprintf(stderr, "rootwatch test-alert: --sink NAME is required\n");
    return exit_usage;
  }
  return run_once(app::run_test_alert(app::options{std::move(cfg), environment}, args->sink));
}
