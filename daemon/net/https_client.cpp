#include "net/https_client.hpp"

#include "common/secret_scrub.hpp"
#include "common/text.hpp"
#include "common/version.hpp"
#include "net/append_body.hpp"
#include "net/beast.hpp"
#include "net/tls.hpp"
#include "net/url.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include <fmt/format.h>

namespace rootwatch::net {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// As many as the cycles that run at once: tenants due in the same quarter second of the wake-up
// grid (25 at 100 tenants a second) each hold one. With 8, most of them reconnected every cycle,
// a TCP and a resumed TLS handshake each, which cost more than the rest of the cycle. The pool
// only grows to as many as were in use at once (the bench's RSS at 100 tenants did not move).
constexpr std::size_t max_idle_per_host = 32;
constexpr std::uint32_t header_limit = 64 * 1024;
constexpr std::size_t tls_record_room = 16 * 1024 + 256;  // a TLS record's largest plaintext, and some

struct connection {
  connection(const asio::any_io_executor& ex, ssl::context& ctx) : stream(ex, ctx) {}
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;   // per connection: bytes read past one answer belong to the next
  bool session_saved = false;  // its TLS session is kept for the next connection to the host
};

struct session_free {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, session_free>;

struct exchange_result {
  result<response> answer;
  bool got_response_bytes = false;
  bool keep_alive = false;
};

// At trace, every exchange: what, where (scheme, host and port only), the status and the size;
// for an error status also the start of the body, since that is what an operator debugging a
// refusal needs. The body comes from outside: it is scrubbed of every known secret (a server
// may echo the form or the token it was sent), cut and kept to one line by the log formatter.
void trace_exchange(const request& req, const result<response>& answer, steady::time_point started) {
  if (!spdlog::should_log(spdlog::level::trace)) {
    return;
  }
  const auto ms = std::chrono::duration_cast<milliseconds>(steady::now() - started).count();
  if (!answer) {
    spdlog::trace("http {} {} {}: failed after {} ms: {}", req.method, req.what, redact_url(req.url), ms,
                  answer.error().message);
    return;
  }
  spdlog::trace("http {} {} {}: {} ({} bytes) in {} ms", req.method, req.what, redact_url(req.url), answer->status,
                answer->body.size(), ms);
  if (answer->status >= 400) {
    spdlog::trace("http {} {} {}: {} body: {}", req.method, req.what, redact_url(req.url), answer->status,
                  cut_utf8(scrub_secrets(answer->body), 1024));
  }
}

std::string describe(const request& req) {
  return fmt::format("{} ({})", req.what.empty() ? std::string("request") : req.what, redact_url(req.url));
}

error transport_error(const request& req, const boost::system::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) {
    return make_error(error_kind::timeout,
                      fmt::format("{}: no answer within {} ({})", describe(req), format_duration(req.timeout), step),
                      true);
  }
  if (ec == asio::error::operation_aborted) {
    return make_error(error_kind::cancelled, fmt::format("{}: cancelled during {}", describe(req), step));
  }
  if (ec == http::error::body_limit) {
    return make_error(error_kind::http,
                      fmt::format("{}: answer larger than the limit of {} bytes", describe(req), req.body_limit));
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
      ec == ssl::error::stream_truncated) {
    return make_error(error_kind::network,
                      fmt::format("{}: connection closed before the answer was complete ({})", describe(req), step),
                      true);
  }
  return make_error(error_kind::network, fmt::format("{}: {} failed: {}", describe(req), step, ec.message()), true);
}

// A handshake that failed verification is a configuration problem (wrong CA, wrong host),
// not something a retry fixes.
std::optional<error> verification_error(const request& req, const url_parts& u, const boost::system::error_code& ec,
                                        SSL* ssl_handle) {
  if (ec.category() != asio::error::get_ssl_category() ||
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) != SSL_R_CERTIFICATE_VERIFY_FAILED) {
    return std::nullopt;
  }
  // The chain checks of OpenSSL report specific codes; a rejection by the host name check in
  // the verify callback leaves none (or the generic one).
  const long verify = SSL_get_verify_result(ssl_handle);
  const bool host_mismatch = verify == X509_V_OK || verify == X509_V_ERR_UNSPECIFIED;
  const std::string why = host_mismatch ? std::string("the certificate is not valid for host ") + u.host
                                        : std::string(X509_verify_cert_error_string(verify));
  return make_error(error_kind::network,
                    fmt::format("{}: TLS certificate verification failed: {}", describe(req), why));
}

std::string host_header(const url_parts& u) {
  const bool v6 = u.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + u.host + "]" : u.host;
  if (u.port != "443") {
    h += ":" + u.port;
  }
  return h;
}

}  // namespace

struct https_client::impl {
  asio::any_io_executor ex;
  std::shared_ptr<client_tls> tls;
  rng& random;
  const clock& wall;
  std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;
  // The last resumable TLS session per host:port, so that a new connection to a host resumes
  // instead of paying a full handshake (1000 tenants reconnecting after a reload or an idle
  // close). Keyed like the pool: a session only ever goes back to the host name it was
  // verified for, and it carries that verification (the certificate is not sent again).
  std::map<std::string, session_ptr, std::less<>> sessions;
  std::size_t opened = 0;
  std::size_t resumed = 0;
  // The last few URLs sent and their parts: a watcher sends the same list URL every cycle, and
  // Boost.URL's parse was a twentieth of an idle cycle. Bounded (next links all differ), and
  // only exact text is matched, so a URL is read as it would be parsed now.
  static constexpr std::size_t parsed_urls_kept = 8;
  std::vector<std::pair<std::string, url_parts>> parsed_urls;
  std::size_t next_parsed_slot = 0;

  result<url_parts> parse_url(const std::string& url) {
    for (const auto& [text, parts] : parsed_urls) {
      if (text == url) {
        return parts;
      }
    }
    auto parsed = parse_https_url(url);
    if (parsed) {
      if (parsed_urls.size() < parsed_urls_kept) {
        parsed_urls.emplace_back(url, *parsed);
      } else {
        parsed_urls[next_parsed_slot] = {url, *parsed};
        next_parsed_slot = (next_parsed_slot + 1) % parsed_urls_kept;
      }
    }
    return parsed;
  }

  // After an answer: TLS 1.3 tickets arrive after the handshake, so the session is resumable
  // once the first answer has been read. A copy is kept: OpenSSL marks a connection's own
  // session not resumable when the connection is dropped without a TLS close.
  void save_session(const std::string& key, connection& c) {
    if (c.session_saved) {
      return;
    }
    const SSL_SESSION* s = SSL_get0_session(c.stream.native_handle());
    if (s == nullptr || SSL_SESSION_is_resumable(s) != 1) {
      return;
    }
    if (session_ptr copy{SSL_SESSION_dup(s)}) {
      sessions.insert_or_assign(key, std::move(copy));
      c.session_saved = true;
    }
  }

  // Offers the kept session to a new connection; the server may still insist on a full
  // handshake, which OpenSSL then does by itself.
  void offer_session(const std::string& key, connection& c) {
    const auto it = sessions.find(key);
    if (it == sessions.end()) {
      return;
    }
    if (SSL_SESSION_is_resumable(it->second.get()) != 1 ||
        SSL_set_session(c.stream.native_handle(), it->second.get()) != 1) {
      sessions.erase(it);
      ERR_clear_error();
    }
  }

  std::unique_ptr<connection> take_idle(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) {
      return nullptr;
    }
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  void give_back(const std::string& key, std::unique_ptr<connection> c) {
    auto& list = idle[key];
    if (list.size() < max_idle_per_host) {
      list.push_back(std::move(c));
    }
  }

  awaitable<result<tcp::resolver::results_type>> resolve(const url_parts& u, const request& req,
                                                         steady::time_point deadline) {
    // The resolver has no deadline of its own: race it against a timer.
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    auto [order, resolve_ec, endpoints, timer_ec] =
        co_await asio::experimental::make_parallel_group(resolver.async_resolve(u.host, u.port, asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1) {
      co_return make_error(
          error_kind::timeout,
          fmt::format("{}: name resolution took longer than {}", describe(req), format_duration(req.timeout)), true);
    }
    if (resolve_ec) {
      co_return transport_error(req, resolve_ec, "name resolution");
    }
    co_return endpoints;
  }

  awaitable<result<std::unique_ptr<connection>>> open(const std::string& key, const url_parts& u, const request& req,
                                                      steady::time_point deadline) {
    auto endpoints = co_await resolve(u, req, deadline);
    if (!endpoints) {
      co_return endpoints.error();
    }
    auto c = std::make_unique<connection>(ex, tls->native());
    auto& tcp_layer = beast::get_lowest_layer(c->stream);
    tcp_layer.expires_at(deadline);
    auto [connect_ec, ep] = co_await tcp_layer.async_connect(*endpoints, use_tuple);
    if (connect_ec) {
      co_return transport_error(req, connect_ec, "connect");
    }
    // SNI is for names only (RFC 6066); certificates for IP literals are checked by address.
    if (!u.host_is_ip && SSL_set_tlsext_host_name(c->stream.native_handle(), u.host.c_str()) != 1) {
      co_return make_error(error_kind::network, fmt::format("{}: cannot set the TLS server name", describe(req)));
    }
    c->stream.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    c->stream.set_verify_callback(ssl::host_name_verification(u.host));
    offer_session(key, *c);
    tcp_layer.expires_at(deadline);
    auto [handshake_ec] = co_await c->stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
      // Some servers fail the handshake outright on a session they cannot resume (one that
      // asks for client certificates without a session context): forget it, so that the next
      // connection (send() makes it at once) does a full handshake.
      sessions.erase(key);
      if (auto verify = verification_error(req, u, handshake_ec, c->stream.native_handle())) {
        co_return *verify;
      }
      co_return transport_error(req, handshake_ec, "TLS handshake");
    }
    ++opened;
    if (SSL_session_reused(c->stream.native_handle()) == 1) {
      ++resumed;
    }
    co_return c;
  }

  awaitable<exchange_result> exchange(connection& c, const url_parts& u, const request& req,
                                      steady::time_point deadline) {
    exchange_result out{make_error(error_kind::internal, "unset")};
    http::request<http::string_body> hreq;
    hreq.method_string(req.method);
    hreq.target(u.target);
    hreq.version(11);
    hreq.set(http::field::host, host_header(u));
    static const std::string user_agent = std::string("rootwatch/") + version;
    hreq.set(http::field::user_agent, user_agent);
    for (const auto& h : req.headers) {
      hreq.set(h.name, h.value);
    }
    hreq.body() = req.body;
    hreq.keep_alive(true);
    hreq.prepare_payload();

    auto& tcp_layer = beast::get_lowest_layer(c.stream);
    tcp_layer.expires_at(deadline);
    auto [write_ec, written] = co_await http::async_write(c.stream, hreq, use_tuple);
    if (write_ec) {
      out.answer = transport_error(req, write_ec, "send");
      co_return out;
    }
    http::response_parser<append_body> parser;
    parser.body_limit(req.body_limit);
    parser.header_limit(header_limit);
    tcp_layer.expires_at(deadline);
    // Beast reads as much as the buffer has room for, 512 bytes at least: from an empty buffer
    // a 130 KB listing took some 250 reads, each a TLS record decrypted in part and a pass of
    // the parser. Room for a whole record while the answer is read; given back after it, so an
    // idle pooled connection keeps only the bytes that belong to the next answer.
    c.buffer.reserve(tls_record_room);
    auto [read_ec, read] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
    c.buffer.shrink_to_fit();
    out.got_response_bytes = parser.got_some() || read > 0;
    if (read_ec) {
      out.answer = transport_error(req, read_ec, "receive");
      co_return out;
    }
    auto& msg = parser.get();
    response res;
    res.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      res.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    res.body = std::move(msg.body());
    out.keep_alive = msg.keep_alive();
    out.answer = std::move(res);
    co_return out;
  }
};

https_client::https_client(asio::any_io_executor ex, std::shared_ptr<client_tls> tls, rng& random,
                           const clock& wall_clock)
    : impl_(new impl{std::move(ex), std::move(tls), random, wall_clock, {}, {}, 0, 0, {}, 0}) {}

https_client::~https_client() = default;

void https_client::close_idle() {
  impl_->idle.clear();
}

std::size_t https_client::connections_opened() const {
  return impl_->opened;
}

std::size_t https_client::sessions_resumed() const {
  return impl_->resumed;
}

awaitable<result<response>> https_client::send(request req) {
  auto u = impl_->parse_url(req.url);
  if (!u) {
    co_return with_context(u.error(), req.what.empty() ? "request" : req.what);
  }
  const auto started = steady::now();
  const auto deadline = started + req.timeout;
  const std::string key = u->host + ":" + u->port;
  bool full_handshake_tried = false;
  while (true) {
    auto c = impl_->take_idle(key);
    const bool reused = c != nullptr;
    if (!c) {
      const bool offered_session = impl_->sessions.contains(key);
      auto opened = co_await impl_->open(key, *u, req, deadline);
      // Once, and only when the handshake failed on the session offered (open() forgot it):
      // the next handshake is a full one. A refused or unreachable connect keeps the session
      // and is the answer: going round again would connect thousands of times a second until
      // the deadline, and never see a cancellation.
      const bool session_refused = offered_session && !impl_->sessions.contains(key);
      if (!opened && session_refused && !full_handshake_tried && opened.error().kind == error_kind::network &&
          opened.error().retryable) {
        full_handshake_tried = true;
        continue;
      }
      if (!opened) {
        const result<response> failed = opened.error();
        trace_exchange(req, failed, started);
        co_return failed.error();
      }
      c = std::move(*opened);
    }
    auto ex = co_await impl_->exchange(*c, *u, req, deadline);
    // A pooled connection the server closed while idle fails before any answer byte; that
    // says nothing about the server, so try again on another connection. The receivers
    // de-duplicate on the alert id, which makes a repeated POST harmless.
    if (!ex.answer && reused && !ex.got_response_bytes && ex.answer.error().kind == error_kind::network) {
      continue;
    }
    if (ex.answer) {
      impl_->save_session(key, *c);
    }
    if (ex.answer && ex.keep_alive) {
      impl_->give_back(key, std::move(c));
    }
    trace_exchange(req, ex.answer, started);
    co_return std::move(ex.answer);
  }
}

awaitable<result<response>> https_client::send_with_retry(request req, retry_policy policy,
                                                          exchange_observer* observer) {
  for (int attempt = 1;; ++attempt) {
    auto r = co_await send(req);
    if (observer != nullptr) {
      observer->answered(r);
    }
    const retry_decision d = r ? classify_status(r->status) : classify_error(r.error());
    if (!d.retry || attempt >= policy.max_attempts) {
      co_return r;
    }
    std::optional<milliseconds> retry_after;
    if (r) {
      if (auto v = r->header_value("Retry-After")) {
        retry_after = parse_retry_after(*v, server_now(r->header_value("Date"), impl_->wall.now()));
      }
    }
    const auto delay = backoff_delay(attempt, policy, retry_after, impl_->random.uniform01());
    if (observer != nullptr && r && (r->status == 429 || retry_after)) {
      observer->throttled(delay);
    }
    asio::steady_timer timer(impl_->ex, delay);
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (ec) {
      co_return make_error(error_kind::cancelled, fmt::format("{}: cancelled while waiting to retry", describe(req)));
    }
  }
}

}  // namespace rootwatch::net
