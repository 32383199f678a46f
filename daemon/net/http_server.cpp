#include "net/http_server.hpp"

#include "net/beast.hpp"
#include "net/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <list>

#include <fmt/format.h>

namespace rootwatch::net {
namespace {

using boost::system::error_code;

constexpr std::size_t header_limit = 16 * 1024;
// Only bounds the wait for the peer's close_notify: ours is written at once, and nothing the
// peer could still send matters once the last response is out.
constexpr auto tls_shutdown_wait = std::chrono::milliseconds(500);
// After a rejected request the peer may still be sending its body; reading it for a moment
// before closing keeps the kernel from answering with a reset that would destroy our 4xx.
constexpr auto drain_wait = std::chrono::milliseconds(500);
constexpr std::size_t drain_limit = 4 * 1024 * 1024;
constexpr auto accept_retry_pause = std::chrono::milliseconds(100);

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// What stop() and the connection cap need to reach inside a connection: its socket, to end a
// wait for the next request, and its delay timer, so that a deliberately slow answer does not
// hold up shutdown.
struct connection_entry {
  beast::tcp_stream* stream = nullptr;  // null until the connection's coroutine has started
  asio::steady_timer* delay_timer = nullptr;
  bool idle = true;   // waiting for a request (or in the TLS handshake) rather than handling one
  bool shed = false;  // closed to make room for a newer connection; no longer counted as open
};

struct shared_state {
  shared_state(asio::any_io_executor ex, server_options o, request_handler h)
      : acceptor(ex), options(std::move(o)), handler(std::move(h)) {}

  tcp::acceptor acceptor;
  server_options options;
  request_handler handler;
  bool stopping = false;
  // Longest idle first: a connection moves to the back each time it starts waiting for a
  // request, so the front-most idle one is the one to shed.
  std::list<connection_entry> connections;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::size_t> open{0};  // listed and not shed; atomic for readers on other threads
  std::atomic<std::size_t> peak{0};
  std::atomic<std::uint64_t> shed{0};
  std::uint16_t port = 0;

  void report(std::string_view what) const {
    if (options.on_error) {
      options.on_error(what);
    }
  }
};

// Keeps a connection listed in shared_state from its accept until its coroutine ends; it
// counts toward max_connections for that long, unless it was shed first. Created in the
// accept loop (not in the coroutine, which starts later) so that a burst of accepts cannot
// slip past the cap.
class connection_registration {
 public:
  explicit connection_registration(std::shared_ptr<shared_state> st)
      : st_(std::move(st)), it_(st_->connections.insert(st_->connections.end(), connection_entry{})) {
    const auto now_open = ++st_->open;
    if (now_open > st_->peak) {
      st_->peak = now_open;
    }
  }
  connection_registration(connection_registration&& other) noexcept : st_(std::move(other.st_)), it_(other.it_) {}
  connection_registration& operator=(connection_registration&&) = delete;
  ~connection_registration() {
    if (!st_) {
      return;
    }
    if (!it_->shed) {
      --st_->open;
    }
    st_->connections.erase(it_);
  }

  void attach(beast::tcp_stream& stream, asio::steady_timer& delay_timer) {
    it_->stream = &stream;
    it_->delay_timer = &delay_timer;
  }

  void set_idle() {
    it_->idle = true;
    st_->connections.splice(st_->connections.end(), st_->connections, it_);
  }
  void set_busy() { it_->idle = false; }

 private:
  std::shared_ptr<shared_state> st_;
  std::list<connection_entry>::iterator it_;
};

// Says that the cap is at work without a line per connection: an attack opens thousands.
void note_shed(shared_state& st) {
  const auto n = ++st.shed;
  if (n == 1 || n == 10 || n == 100 || n % 1000 == 0) {
    st.report(
        fmt::format("at the cap of {} open connections: {} connection(s) closed or refused so far, the "
                    "longest idle first",
                    st.options.max_connections, n));
  }
}

// Keeps the open connections under max_connections. True when a new one may be served: there
// was room, or the longest idle connection was closed to make some. Closing it at once (not
// merely cancelling its read) keeps the descriptor count within the cap at every moment.
bool make_room(shared_state& st) {
  if (st.options.max_connections == 0 || st.open < st.options.max_connections) {
    return true;
  }
  for (auto& c : st.connections) {
    if (c.stream != nullptr && c.idle && !c.shed) {
      c.shed = true;
      --st.open;
      c.stream->close();
      note_shed(st);
      return true;
    }
  }
  note_shed(st);
  return false;
}

// How a connection ends: politely (TLS close_notify, FIN), after a rejected request (drain
// what the peer still sends), or abruptly (error, or a body cut off on purpose).
enum class ending { graceful, rejected, abrupt };

template <class Stream>
beast::tcp_stream& lowest(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

std::string endpoint_text(const tcp::endpoint& ep) {
  if (ep.address().is_v6()) {
    return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  }
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

// The path without the query: the query may carry secrets and must not reach a report.
std::string_view path_only(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<int> rejection_status(const error_code& ec) {
  if (ec == http::error::body_limit) {
    return 413;
  }
  if (ec == http::error::header_limit) {
    return 431;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return std::nullopt;  // the peer went away; there is nobody to answer
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return 400;
  }
  return std::nullopt;
}

server_response plain_text(int status, std::string text) {
  server_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(text);
  return r;
}

server_response call_handler(const shared_state& st, const server_request& req) {
  try {
    return st.handler(req);
  } catch (const std::exception& e) {
    st.report(fmt::format("handler for {} {} threw: {}", req.method, path_only(req.target), e.what()));
  } catch (...) {
    // Not swallowed: reported, and the client gets a 500 rather than a dead server.
    st.report(fmt::format("handler for {} {} threw a non-standard exception", req.method, path_only(req.target)));
  }
  return plain_text(500, "internal server error\n");
}

server_request to_server_request(const http::request<http::string_body>& req, const std::string& remote,
                                 const std::string& peer_common_name) {
  server_request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = req.body();
  out.remote_address = remote;
  out.peer_common_name = peer_common_name;
  return out;
}

bool is_bodyless_status(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool is_framing_header(std::string_view name) {
  // The server owns message framing: a handler cannot contradict what is actually sent.
  return beast::iequals(name, "Content-Length") || beast::iequals(name, "Connection") ||
         beast::iequals(name, "Transfer-Encoding");
}

template <class Body>
http::response<Body> response_head(const server_response& r, bool keep_alive, std::size_t content_length) {
  http::response<Body> res{static_cast<http::status>(r.status), 11};
  for (const auto& h : r.headers) {
    if (!is_framing_header(h.name)) {
      res.insert(h.name, h.value);
    }
  }
  res.set(http::field::connection, keep_alive ? "keep-alive" : "close");
  if (!is_bodyless_status(r.status)) {
    res.content_length(content_length);
  }
  return res;
}

// Writes the answer, whose body it takes (a /metrics page at a thousand tenants is ~1 MB: not
// copied). Returns false when the connection is no longer usable.
template <class Stream>
awaitable<bool> write_response(Stream& stream, const shared_state& st, server_response& r, bool keep_alive,
                               bool head_request) {
  lowest(stream).expires_after(st.options.idle_timeout);
  const bool bodyless = is_bodyless_status(r.status);
  if (head_request || bodyless) {
    auto res = response_head<http::empty_body>(r, keep_alive, r.body.size());
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    co_return !ec;
  }
  auto res = response_head<http::string_body>(r, keep_alive, r.body.size());
  if (!r.truncate_body) {
    res.body() = std::move(r.body);
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    co_return !ec;
  }
  // A fault on purpose: the full Content-Length is promised, half the body is sent, and the
  // caller closes the socket without a TLS close_notify.
  http::response_serializer<http::string_body> serializer{res};
  auto [hec, hn] = co_await http::async_write_header(stream, serializer, use_tuple);
  if (!hec) {
    co_await asio::async_write(stream, asio::buffer(r.body.data(), r.body.size() / 2), use_tuple);
  }
  co_return false;
}

template <class Stream>
awaitable<bool> send_continue(Stream& stream, const shared_state& st) {
  http::response<http::empty_body> res{http::status::continue_, 11};
  lowest(stream).expires_after(st.options.idle_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  co_return !ec;
}

// Sleeps for the handler's requested delay. False when stop() cut it short.
awaitable<bool> wait_delay(asio::steady_timer& timer, milliseconds delay) {
  timer.expires_after(delay);
  auto [ec] = co_await timer.async_wait(use_tuple);
  co_return !ec;
}

// The HTTP/1.1 exchange loop, the same for plain and TLS streams: read a request within the
// idle deadline, answer it, and go round again while both sides want keep-alive.
template <class Stream>
awaitable<ending> serve_requests(Stream& stream, shared_state& st, connection_registration& reg,
                                 asio::steady_timer& delay_timer, std::string remote, std::string peer_cn = {}) {
  beast::flat_buffer buffer;
  while (!st.stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(st.options.body_limit);

    reg.set_idle();
    lowest(stream).expires_after(st.options.idle_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    reg.set_busy();
    // curl and others wait for a "100 Continue" before sending a larger body.
    if (!hec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      const bool sent = co_await send_continue(stream, st);
      if (!sent) {
        co_return ending::abrupt;
      }
    }
    error_code ec = hec;
    if (!ec && !parser.is_done()) {
      lowest(stream).expires_after(st.options.idle_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
      ec = bec;
    }
    if (ec) {
      const auto status = rejection_status(ec);
      if (!status) {
        co_return ending::abrupt;
      }
      auto answer = plain_text(*status, fmt::format("{}\n", ec.message()));
      const bool written = co_await write_response(stream, st, answer, false, false);
      co_return written ? ending::rejected : ending::abrupt;
    }

    auto req = parser.release();
    const bool head_request = req.method() == http::verb::head;
    auto response = call_handler(st, to_server_request(req, remote, peer_cn));
    if (response.delay.count() > 0) {
      // Not inside the if condition: g++ 12 miscompiles co_await there.
      const bool waited = co_await wait_delay(delay_timer, response.delay);
      if (!waited) {
        co_return ending::abrupt;
      }
    }
    if (response.reset_connection) {
      // A fault on purpose: SO_LINGER 0 makes the close below send a reset instead of a FIN.
      error_code ignored;
      lowest(stream).socket().set_option(asio::socket_base::linger(true, 0), ignored);
      co_return ending::abrupt;
    }
    const bool keep_alive = req.keep_alive() && !st.stopping && !response.truncate_body;
    const bool written = co_await write_response(stream, st, response, keep_alive, head_request);
    if (!written && response.truncate_body && response.stall.count() > 0) {
      // A stalled body: the client has half of it and waits for the rest until it gives up.
      co_await wait_delay(delay_timer, response.stall);
    }
    if (!written) {
      co_return ending::abrupt;
    }
    if (!keep_alive) {
      co_return ending::graceful;
    }
  }
  co_return ending::graceful;
}

// Reads and discards what the peer still sends, briefly, before the socket is closed.
awaitable<void> drain(beast::tcp_stream& stream) {
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(drain_wait);
  std::array<char, 16 * 1024> scratch{};
  std::size_t total = 0;
  while (total < drain_limit) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), use_tuple);
    if (ec) {
      co_return;
    }
    total += n;
  }
}

std::string remote_text(const beast::tcp_stream& stream) {
  error_code ec;
  const auto ep = stream.socket().remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}

awaitable<void> plain_session(std::shared_ptr<shared_state> st, connection_registration reg, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  asio::steady_timer delay_timer(stream.get_executor());
  reg.attach(stream, delay_timer);
  const auto how = co_await serve_requests(stream, *st, reg, delay_timer, remote_text(stream));
  if (how == ending::rejected) {
    co_await drain(stream);
  } else if (how == ending::graceful) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  stream.close();
}

awaitable<void> tls_session(std::shared_ptr<shared_state> st, connection_registration reg, tcp::socket socket) {
  ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), st->options.tls->native());
  asio::steady_timer delay_timer(stream.get_executor());
  reg.attach(lowest(stream), delay_timer);
  const std::string remote = remote_text(lowest(stream));

  lowest(stream).expires_after(st->options.idle_timeout);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
  if (hec) {
    // A client that cannot complete the handshake (wrong CA, port scan) learns so from its
    // own TLS stack; it is not the server's failure to report.
    lowest(stream).close();
    co_return;
  }
  const auto how =
      co_await serve_requests(stream, *st, reg, delay_timer, remote, peer_common_name(stream.native_handle()));
  if (how != ending::abrupt) {
    lowest(stream).expires_after(tls_shutdown_wait);
    auto [sec] = co_await stream.async_shutdown(use_tuple);
    // stream_truncated (the peer closed without its own close_notify) is harmless: HTTP
    // frames its messages, so nothing can have been cut off unnoticed.
    (void)sec;
  }
  lowest(stream).close();
}

void spawn_session(const std::shared_ptr<shared_state>& st, connection_registration reg, tcp::socket socket) {
  auto executor = socket.get_executor();
  auto done = [st](std::exception_ptr e) {
    if (!e) {
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& failure) {
      st->report(fmt::format("connection ended by an exception: {}", failure.what()));
    }
  };
  if (st->options.tls) {
    asio::co_spawn(executor, tls_session(st, std::move(reg), std::move(socket)), std::move(done));
  } else {
    asio::co_spawn(executor, plain_session(st, std::move(reg), std::move(socket)), std::move(done));
  }
}

void stop_on_executor(shared_state& st) {
  st.stopping = true;
  error_code ignored;
  st.acceptor.close(ignored);
  for (auto& c : st.connections) {
    if (c.stream == nullptr || c.shed) {
      continue;  // not started yet (it will see `stopping`), or already closed
    }
    if (c.idle) {
      // Nobody is waiting for an answer on an idle keep-alive connection: end it now.
      c.stream->socket().cancel(ignored);
    }
    c.delay_timer->cancel();
  }
}

}  // namespace

struct http_server::impl {
  std::shared_ptr<shared_state> state;
};

http_server::http_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

http_server::~http_server() {
  stop();
}

result<std::unique_ptr<http_server>> http_server::listen(asio::any_io_executor ex, server_options options,
                                                         request_handler handler) {
  if (!handler) {
    return make_error(error_kind::internal, "http_server::listen needs a request handler");
  }
  error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return make_error(error_kind::config, fmt::format("cannot listen on '{}': not an IP address", options.address));
  }
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = endpoint_text(endpoint);
  auto st = std::make_shared<shared_state>(ex, std::move(options), std::move(handler));
  auto fail = [&](std::string_view step) {
    return make_error(error_kind::io, fmt::format("cannot listen on {}: {}: {}", where, step, ec.message()));
  };
  st->acceptor.open(endpoint.protocol(), ec);
  if (ec) {
    return fail("open");
  }
  st->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) {
    return fail("SO_REUSEADDR");
  }
  st->acceptor.bind(endpoint, ec);
  if (ec) {
    return fail("bind");
  }
  st->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail("listen");
  }
  st->port = st->acceptor.local_endpoint(ec).port();
  if (ec) {
    return fail("local address");
  }
  auto p = std::make_unique<impl>();
  p->state = std::move(st);
  return std::unique_ptr<http_server>(new http_server(std::move(p)));
}

std::uint16_t http_server::port() const {
  return impl_->state->port;
}

std::uint64_t http_server::connections_accepted() const {
  return impl_->state->accepted.load();
}

std::size_t http_server::connections_open() const {
  return impl_->state->open.load();
}

std::size_t http_server::connections_peak() const {
  return impl_->state->peak.load();
}

std::uint64_t http_server::connections_shed() const {
  return impl_->state->shed.load();
}

awaitable<void> http_server::run() {
  // A copy, so that the loop stays valid even if this object goes away first.
  const auto st = impl_->state;
  asio::steady_timer pause(st->acceptor.get_executor());
  while (!st->stopping && st->acceptor.is_open()) {
    auto [ec, socket] = co_await st->acceptor.async_accept(use_tuple);
    if (st->stopping || !st->acceptor.is_open()) {
      break;
    }
    if (ec) {
      // Out of descriptors and similar: the listener must outlive a bad moment.
      st->report(fmt::format("accept failed: {}", ec.message()));
      pause.expires_after(accept_retry_pause);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    ++st->accepted;
    if (!make_room(*st)) {
      // Every open connection is in the middle of an exchange: refusing this one is the
      // only way to stay within the cap.
      error_code ignored;
      socket.close(ignored);
      continue;
    }
    spawn_session(st, connection_registration(st), std::move(socket));
  }
}

void http_server::stop() {
  // dispatch: runs at once on the server's own thread, is queued there from any other.
  auto st = impl_->state;
  asio::dispatch(st->acceptor.get_executor(), [st] { stop_on_executor(*st); });
}

}  // namespace rootwatch::net
