#include "fake/test_client.hpp"

#include "common/asio.hpp"
#include "net/beast.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

namespace beast = net::beast;
namespace http = net::http;
namespace ssl = net::ssl;
using boost::system::error_code;
using net::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t response_body_limit = 64 * 1024 * 1024;

error transport_error(std::string_view step, const error_code& ec) {
  const bool timed_out = ec == beast::error::timeout;
  return make_error(timed_out ? error_kind::timeout : error_kind::network,
                    fmt::format("{}: {}", step, timed_out ? "deadline passed" : ec.message()));
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

template <class T>
T run_to_completion(asio::io_context& ioc, awaitable<T> op) {
  auto future = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.restart();
  ioc.run();
  return future.get();
}

template <class Stream>
awaitable<result<net::response>> exchange_on(Stream& stream, beast::flat_buffer& buffer, const client_request& r,
                                             std::string host_header, milliseconds timeout) {
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(r.method);
  req.target(r.target);
  req.set(http::field::host, host_header);
  for (const auto& h : r.headers) {
    req.insert(h.name, h.value);
  }
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    req.body() = r.body;
    req.prepare_payload();
  }
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) {
    co_return transport_error("write", wec);
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(response_body_limit);
  if (r.method == "HEAD") {
    parser.skip(true);
  }
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (rec) {
    co_return transport_error("read", rec);
  }
  const auto& res = parser.get();
  net::response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = res.body();
  co_return out;
}

}  // namespace

struct test_connection::impl {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string host;
  std::string verify_name;
  std::uint16_t port = 0;

  beast::tcp_stream& tcp_layer() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  awaitable<result<void>> connect(milliseconds timeout);
};

awaitable<result<void>> test_connection::impl::connect(milliseconds timeout) {
  tcp::resolver resolver(ioc);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), use_tuple);
  if (rec) {
    co_return transport_error("resolve", rec);
  }
  tcp_layer().expires_after(timeout);
  auto [cec, ep] = co_await tcp_layer().async_connect(endpoints, use_tuple);
  if (cec) {
    co_return transport_error("connect", cec);
  }
  if (!tls) {
    co_return result<void>();
  }
  // SNI only for names: RFC 6066 forbids IP literals in it.
  if (!is_ip_literal(verify_name) && SSL_set_tlsext_host_name(tls->native_handle(), verify_name.c_str()) != 1) {
    co_return make_error(error_kind::network, "cannot set SNI");
  }
  tls->set_verify_callback(ssl::host_name_verification(verify_name));
  auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) {
    co_return transport_error("TLS handshake", hec);
  }
  co_return result<void>();
}

test_connection::test_connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

test_connection::~test_connection() = default;

result<std::unique_ptr<test_connection>> test_connection::open(const std::string& host, std::uint16_t port,
                                                               const std::string& ca_pem, milliseconds timeout,
                                                               const std::string& verify_name) {
  auto p = std::make_unique<impl>();
  p->host = host;
  p->verify_name = verify_name.empty() ? host : verify_name;
  p->port = port;
  if (ca_pem.empty()) {
    p->plain.emplace(p->ioc);
  } else {
    error_code ec;
    p->ctx.add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) {
      return make_error(error_kind::config, fmt::format("test CA not usable: {}", ec.message()));
    }
    p->ctx.set_verify_mode(ssl::verify_peer);
    p->ctx.set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    p->tls.emplace(p->ioc, p->ctx);
  }
  auto connected = run_to_completion(p->ioc, p->connect(timeout));
  if (!connected) {
    return connected.error();
  }
  return std::unique_ptr<test_connection>(new test_connection(std::move(p)));
}

result<net::response> test_connection::exchange(const client_request& req, milliseconds timeout) {
  auto& p = *impl_;
  const std::string host_header = fmt::format("{}:{}", p.host, p.port);
  if (p.tls) {
    return run_to_completion(p.ioc, exchange_on(*p.tls, p.buffer, req, host_header, timeout));
  }
  return run_to_completion(p.ioc, exchange_on(*p.plain, p.buffer, req, host_header, timeout));
}

result<net::response> fetch(const std::string& ca_pem, const std::string& method, const std::string& url,
                            std::vector<net::header> headers, std::string body, milliseconds timeout) {
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) {
    return make_error(error_kind::config, "fetch: URL must start with https:// or http://");
  }
  const std::string rest = url.substr(https ? 8 : 7);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  std::uint16_t port = https ? 443 : 80;
  std::string host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    const auto* first = authority.data() + colon + 1;
    const auto [ptr, ec] = std::from_chars(first, authority.data() + authority.size(), port);
    if (ec != std::errc()) {
      return make_error(error_kind::config, "fetch: bad port in URL");
    }
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto conn = test_connection::open(host, port, https ? ca_pem : std::string(), timeout);
  if (!conn) {
    return conn.error();
  }
  return (*conn)->exchange({method, target, std::move(headers), std::move(body)}, timeout);
}

}  // namespace rootwatch::fake
