// Figures, not assertions: the least CPU one poll can cost on this machine. A poll of ARM is at
// least a timer wake-up, one HTTPS GET per page over a kept-alive, verified TLS connection, and
// reading the answer. This program does exactly that and nothing more: blocking sockets, no
// event loop, no JSON parse (the next page's link is found by a string search), no allocation
// per request, one connection for every poll. Whatever a real poller adds (parsing, diffing,
// an event loop, deadlines, a state store) is above this floor; a ratio to the SDK poller that
// is larger than SDK / floor cannot be reached by any poller on this machine.
//
//   https_floor --base https://127.0.0.1:PORT --ca ca.pem [--path P] [--burst K]
//               [--wakes-per-second W] [--seconds S] [--warmup-seconds S]
// The token is read from BENCH_ARM_TOKEN. K polls run back to back at each wake-up, W wake-ups a
// second, as rootwatch groups tenants that are due together. Prints one JSON line.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "https_floor: %s\n", what);
  ERR_print_errors_fp(stderr);
  std::exit(1);
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string ca;
  std::string path = "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";
  int burst = 1;
  int wakes_per_second = 4;
  int seconds = 20;
  int warmup_seconds = 2;
};

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--base") {
      std::string_view base = value;
      const std::string_view scheme = "https://";
      if (base.substr(0, scheme.size()) != scheme) {
        die("--base must be https://HOST:PORT");
      }
      base.remove_prefix(scheme.size());
      const auto colon = base.rfind(':');
      if (colon == std::string_view::npos) {
        die("--base must name a port");
      }
      o.host = std::string(base.substr(0, colon));
      o.port = std::atoi(std::string(base.substr(colon + 1)).c_str());
    } else if (name == "--ca") {
      o.ca = value;
    } else if (name == "--path") {
      o.path = value;
    } else if (name == "--burst") {
      o.burst = std::atoi(value);
    } else if (name == "--wakes-per-second") {
      o.wakes_per_second = std::atoi(value);
    } else if (name == "--seconds") {
      o.seconds = std::atoi(value);
    } else if (name == "--warmup-seconds") {
      o.warmup_seconds = std::atoi(value);
    } else {
      die("unknown option");
    }
  }
  if (o.port <= 0 || o.ca.empty() || o.burst < 1 || o.wakes_per_second < 1) {
    die("usage: https_floor --base https://HOST:PORT --ca FILE [--burst K] [--wakes-per-second W] [--seconds S]");
  }
  return o;
}

class connection {
 public:
  connection(const options& o, SSL_CTX* ctx) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (fd_ < 0 || inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1 ||
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      die("cannot connect (the host must be an IPv4 address)");
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl_ = SSL_new(ctx);
    // Verified as rootwatch verifies: the chain to the given CA and the peer's address.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), o.host.c_str());
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      die("TLS handshake failed");
    }
  }
  ~connection() {
    SSL_free(ssl_);
    close(fd_);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // One GET, the whole answer into `body`; returns the status.
  int get(const std::string& request, std::string& body) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) != static_cast<int>(request.size())) {
      die("write failed");
    }
    head_.clear();
    std::size_t end = std::string::npos;
    while ((end = head_.find("\r\n\r\n")) == std::string::npos) {
      read_some(head_);
    }
    const int status = std::atoi(head_.c_str() + 9);
    const auto cl = find_header("content-length:");
    if (cl == std::string::npos) {
      die("the answer has no Content-Length");
    }
    const std::size_t length = std::strtoul(head_.c_str() + cl, nullptr, 10);
    body.assign(head_, end + 4);
    while (body.size() < length) {
      read_some(body);
    }
    return status;
  }

 private:
  void read_some(std::string& into) {
    char buf[16384];
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) {
      die("read failed");
    }
    into.append(buf, static_cast<std::size_t>(n));
  }

  std::size_t find_header(std::string_view name) const {
    for (std::size_t at = head_.find("\r\n"); at != std::string::npos; at = head_.find("\r\n", at + 2)) {
      if (strncasecmp(head_.c_str() + at + 2, name.data(), name.size()) == 0) {
        return at + 2 + name.size();
      }
    }
    return std::string::npos;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string head_;
};

std::string request_for(const options& o, const std::string& path, const std::string& token) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) + "\r\nAuthorization: Bearer " +
         token + "\r\nUser-Agent: https_floor\r\nAccept: application/json\r\n\r\n";
}

// The path of the next page, from "nextLink":"https://host:port/path", or empty on the last.
std::string next_path(const std::string& body) {
  const std::string_view key = "\"nextLink\":\"";
  const auto at = body.find(key);
  if (at == std::string::npos) {
    return {};
  }
  const auto start = body.find('/', body.find("//", at + key.size()) + 2);
  const auto stop = body.find('"', at + key.size());
  if (start == std::string::npos || stop == std::string::npos || start > stop) {
    return {};
  }
  return body.substr(start, stop - start);
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse_args(argc, argv);
  const char* token = std::getenv("BENCH_ARM_TOKEN");
  if (token == nullptr) {
    die("BENCH_ARM_TOKEN is not set");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, o.ca.c_str(), nullptr) != 1) {
    die("cannot load the CA file");
  }
  connection conn(o, ctx);
  const std::string first = request_for(o, o.path, token);
  std::string next_request;
  std::string body;
  body.reserve(1 << 20);
  long polls = 0;
  long pages = 0;
  std::size_t items_bytes = 0;
  double cpu_start = 0;
  long polls_start = 0;
  timespec wake{};
  clock_gettime(CLOCK_MONOTONIC, &wake);
  const long step_ns = 1000000000L / o.wakes_per_second;
  const long wakes = static_cast<long>(o.seconds + o.warmup_seconds) * o.wakes_per_second;
  const long warm_wakes = static_cast<long>(o.warmup_seconds) * o.wakes_per_second;
  for (long w = 0; w < wakes; ++w) {
    if (w == warm_wakes) {
      cpu_start = cpu_seconds();
      polls_start = polls;
    }
    for (int k = 0; k < o.burst; ++k) {
      const std::string* request = &first;
      for (;;) {
        if (conn.get(*request, body) != 200) {
          die("a page did not answer 200");
        }
        ++pages;
        items_bytes = body.size();
        const std::string path = next_path(body);
        if (path.empty()) {
          break;
        }
        next_request = request_for(o, path, token);
        request = &next_request;
      }
      ++polls;
    }
    wake.tv_nsec += step_ns;
    if (wake.tv_nsec >= 1000000000L) {
      wake.tv_nsec -= 1000000000L;
      ++wake.tv_sec;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nullptr) == EINTR) {
    }
  }
  const double cpu = cpu_seconds() - cpu_start;
  const long measured = polls - polls_start;
  std::printf(
      "{\"polls\": %ld, \"pages_per_poll\": %.2f, \"last_page_bytes\": %zu, \"cpu_s\": %.6f, \"ms_per_poll\": %.4f}\n",
      measured, static_cast<double>(pages) / static_cast<double>(polls), items_bytes, cpu,
      cpu * 1000.0 / static_cast<double>(measured));
  SSL_CTX_free(ctx);
  return 0;
}
