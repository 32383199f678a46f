#include "net/local_http.hpp"

#include "common/text.hpp"
#include "common/version.hpp"
#include "net/beast.hpp"
#include "net/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace rootwatch::net {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string describe(const request& req) {
  return fmt::format("{} ({})", req.what.empty() ? std::string("request") : req.what, redact_url(req.url));
}

local_answer failed(const request& req, const boost::system::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) {
    return {make_error(error_kind::timeout,
                       fmt::format("{}: no answer within {} ({})", describe(req), format_duration(req.timeout), step),
                       true)};
  }
  if (ec == asio::error::operation_aborted) {
    return {make_error(error_kind::cancelled, fmt::format("{}: cancelled during {}", describe(req), step))};
  }
  if (ec == http::error::body_limit) {
    return {make_error(error_kind::http,
                       fmt::format("{}: answer larger than the limit of {} bytes", describe(req), req.body_limit))};
  }
  const bool unreachable =
      step == "connect" && (ec == asio::error::connection_refused || ec == asio::error::host_unreachable ||
                            ec == asio::error::network_unreachable);
  return {make_error(error_kind::network, fmt::format("{}: {} failed: {}", describe(req), step, ec.message()), true),
          unreachable};
}

}  // namespace

awaitable<local_answer> send_local_http(asio::any_io_executor ex, request req) {
  auto u = parse_local_http_url(req.url);
  if (!u) {
    co_return local_answer{with_context(u.error(), describe(req))};
  }
  const auto deadline = steady::now() + req.timeout;
  // The resolver has no deadline of its own: race it against a timer. Only "localhost" is
  // ever looked up; the IP literals resolve without asking anyone.
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex, deadline);
  auto [order, resolve_ec, endpoints, timer_ec] =
      co_await asio::experimental::make_parallel_group(resolver.async_resolve(u->host, u->port, asio::deferred),
                                                       timer.async_wait(asio::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  if (order[0] == 1) {
    co_return failed(req, beast::error::timeout, "name resolution");
  }
  if (resolve_ec) {
    co_return failed(req, resolve_ec, "name resolution");
  }
  beast::tcp_stream stream(ex);
  stream.expires_at(deadline);
  auto [connect_ec, ep] = co_await stream.async_connect(endpoints, use_tuple);
  if (connect_ec) {
    co_return failed(req, connect_ec, "connect");
  }
  http::request<http::string_body> hreq;
  hreq.method_string(req.method);
  hreq.target(u->target);
  hreq.version(11);
  const std::string host = u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
  hreq.set(http::field::host, u->port == "80" ? host : host + ":" + u->port);
  hreq.set(http::field::user_agent, std::string("rootwatch/") + version);
  for (const auto& h : req.headers) {
    hreq.set(h.name, h.value);
  }
  hreq.body() = req.body;
  hreq.keep_alive(false);
  hreq.prepare_payload();
  stream.expires_at(deadline);
  auto [write_ec, written] = co_await http::async_write(stream, hreq, use_tuple);
  if (write_ec) {
    co_return failed(req, write_ec, "send");
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(req.body_limit);
  parser.header_limit(64 * 1024);
  stream.expires_at(deadline);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_ec) {
    co_return failed(req, read_ec, "receive");
  }
  auto& msg = parser.get();
  response res;
  res.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    res.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  res.body = std::move(msg.body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return local_answer{std::move(res)};
}

}  // namespace rootwatch::net
