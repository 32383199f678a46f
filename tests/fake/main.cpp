// rootwatch-fake: the fake Azure and a fake webhook receiver as one program, for the demo and
// for trying rootwatch by hand. It makes a throw-away CA, starts both servers, writes where they
// are to DIR/endpoints.json, prints every request and alert, and stops on SIGINT or SIGTERM.
//
//   rootwatch-fake --dir DIR [--seed FILE] [--receiver-secret-file FILE]
//                  [--azure-port N] [--receiver-port N]

#include "common/asio.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "fake/describe.hpp"
#include "fake/fake_azure.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

namespace {

using namespace rootwatch;
namespace fs = std::filesystem;

constexpr std::string_view usage =
    "usage: rootwatch-fake --dir DIR [--seed FILE] [--receiver-secret-file FILE]\n"
    "                      [--azure-port N] [--receiver-port N]\n";

struct program_options {
  fs::path dir;
  std::optional<fs::path> seed;
  std::optional<fs::path> receiver_secret_file;
  std::uint16_t azure_port = 0;
  std::uint16_t receiver_port = 0;
};

result<std::uint16_t> parse_port(std::string_view flag, std::string_view text) {
  std::uint16_t port = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return make_error(error_kind::config, fmt::format("{} wants a port number, not '{}'", flag, text));
  }
  return port;
}

result<program_options> parse_args(int argc, char** argv) {
  program_options out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      return make_error(error_kind::config, fmt::format("{} needs a value", flag));
    }
    const std::string_view value = argv[++i];
    if (flag == "--dir") {
      out.dir = value;
    } else if (flag == "--seed") {
      out.seed = value;
    } else if (flag == "--receiver-secret-file") {
      out.receiver_secret_file = value;
    } else if (flag == "--azure-port" || flag == "--receiver-port") {
      auto port = parse_port(flag, value);
      if (!port) {
        return port.error();
      }
      (flag == "--azure-port" ? out.azure_port : out.receiver_port) = *port;
    } else {
      return make_error(error_kind::config, fmt::format("unknown option {}", flag));
    }
  }
  if (out.dir.empty()) {
    return make_error(error_kind::config, "--dir is required");
  }
  return out;
}

result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return make_error(error_kind::io, fmt::format("cannot read '{}'", path.string()));
  }
  return text.str();
}

result<json> read_seed(const std::optional<fs::path>& path) {
  if (!path) {
    return result<json>(boost::system::in_place_value, json::object());
  }
  auto text = read_file(*path);
  if (!text) {
    return text.error();
  }
  json seed = json::parse(*text, nullptr, false);
  if (!seed.is_object()) {
    return make_error(error_kind::config, fmt::format("seed '{}' is not a JSON object", path->string()));
  }
  // In place: json converts from almost anything, so plain conversion is ambiguous.
  return result<json>(boost::system::in_place_value, std::move(seed));
}

result<std::optional<std::string>> read_secret(const std::optional<fs::path>& path) {
  if (!path) {
    return std::optional<std::string>();
  }
  auto text = read_file(*path);
  if (!text) {
    return text.error();
  }
  return std::optional<std::string>(std::string(trim(*text)));
}

// Temp file and rename: a reader polling for the file never sees half of it.
result<void> write_atomically(const fs::path& path, const std::string& content) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      return make_error(error_kind::io, fmt::format("cannot write '{}'", temp.string()));
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    return make_error(error_kind::io, fmt::format("cannot rename '{}': {}", temp.string(), ec.message()));
  }
  return {};
}

// Both servers print from their own threads: one line at a time, flushed at once, so that
// the demo's reader (often a pipe) sees each event as it happens.
class printer {
 public:
  void line(const std::string& text) {
    const std::lock_guard lock(mutex_);
    std::cout << text << std::endl;
  }

 private:
  std::mutex mutex_;
};

void print_delivery(printer& out, const fake::delivery& d) {
  std::string text = fake::describe_delivery(d);
  if (d.body_json) {
    text += "\n" + d.body_json->dump(2);
  }
  out.line(text);
}

std::string endpoints_json(const fake::fake_azure& azure, const fake::fake_receiver& receiver) {
  return json{{"azure", azure.base_url()}, {"receiver", receiver.url()}, {"tenant_id", azure.tenant_id()}}.dump(2) +
         "\n";
}

int fail(const error& e) {
  std::cerr << "rootwatch-fake: " << e.message << "\n";
  return 2;
}

struct running_fakes {
  std::unique_ptr<fake::fake_azure> azure;
  std::unique_ptr<fake::fake_receiver> receiver;
};

result<running_fakes> start_fakes(const program_options& opts, const json& seed,
                                  const std::optional<std::string>& secret, const fake::test_ca& ca, printer& out) {
  fake::fake_azure_options azure_options;
  azure_options.certificate = ca.issue("localhost");
  azure_options.port = opts.azure_port;
  azure_options.tenant_id = seed.value("tenant_id", azure_options.tenant_id);
  azure_options.on_request = [&out](const fake::recorded_request& r) { out.line(fake::describe_request(r)); };
  auto azure = fake::fake_azure::start(std::move(azure_options));
  if (!azure) {
    return azure.error();
  }
  if (auto loaded = (*azure)->load_seed(seed); !loaded) {
    return loaded.error();
  }
  fake::receiver_options receiver_options;
  receiver_options.certificate = ca.issue("localhost");
  receiver_options.port = opts.receiver_port;
  receiver_options.secret = secret;
  receiver_options.on_delivery = [&out](const fake::delivery& d) { print_delivery(out, d); };
  auto receiver = fake::fake_receiver::start(std::move(receiver_options));
  if (!receiver) {
    return receiver.error();
  }
  return running_fakes{std::move(*azure), std::move(*receiver)};
}

// The fakes serve on their own threads; this thread only waits for the signal to stop.
void wait_for_signal(printer& out) {
  asio::io_context ioc;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&out](const boost::system::error_code& ec, int signo) {
    if (!ec) {
      out.line(fmt::format("rootwatch-fake: signal {}, stopping", signo));
    }
  });
  ioc.run();
}

int run(const program_options& opts) {
  auto seed = read_seed(opts.seed);
  auto secret = seed ? read_secret(opts.receiver_secret_file) : result<std::optional<std::string>>(seed.error());
  if (!seed || !secret) {
    return fail(seed ? secret.error() : seed.error());
  }
  std::error_code dir_ec;
  fs::create_directories(opts.dir, dir_ec);
  // A file left by an earlier run would announce ports nobody listens on any more.
  std::error_code stale_ec;
  fs::remove(opts.dir / "endpoints.json", stale_ec);
  const auto ca = fake::test_ca::generate();
  if (auto written = ca.write_ca((opts.dir / "ca.pem").string()); dir_ec || stale_ec || !written) {
    return fail(make_error(error_kind::io, fmt::format("cannot write into '{}'", opts.dir.string())));
  }
  printer out;
  auto fakes = start_fakes(opts, *seed, *secret, ca, out);
  if (!fakes) {
    return fail(fakes.error());
  }
  auto& [azure, receiver] = *fakes;
  // Written last, once both listen: its appearance is the demo's signal that all is ready.
  if (auto written = write_atomically(opts.dir / "endpoints.json", endpoints_json(*azure, *receiver)); !written) {
    return fail(written.error());
  }
  const auto state = azure->state();
  out.line(fmt::format("rootwatch-fake: ready: azure {} (tenant {}), receiver {}{}; {} apps, {} users, {} assignments",
                       azure->base_url(), azure->tenant_id(), receiver->url(), *secret ? " (verifying signatures)" : "",
                       state.at("apps").size(), state.at("users").size(), state.at("assignments").size()));
  wait_for_signal(out);
  receiver->stop();
  azure->stop();
  out.line("rootwatch-fake: stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << usage;
    return 0;
  }
  const auto opts = parse_args(argc, argv);
  if (!opts) {
    const int code = fail(opts.error());
    std::cerr << usage;
    return code;
  }
  try {
    return run(*opts);
  } catch (const std::exception& e) {
    // Only start-up can throw (the CA generation); say so rather than abort.
    std::cerr << "rootwatch-fake: " << e.what() << "\n";
    return 2;
  }
}
