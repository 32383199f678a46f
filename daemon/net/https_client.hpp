#pragma once

// The HTTPS client every outgoing call goes through: verified TLS with SNI and host name
// check, connection reuse per host, one absolute deadline per exchange, a body size limit,
// and retries with exponential backoff and jitter that honour Retry-After.

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/rng.hpp"
#include "net/exchange_observer.hpp"
#include "net/http_types.hpp"
#include "net/retry.hpp"

#include <memory>

namespace rootwatch::net {

class client_tls;

class https_client {
 public:
  https_client(asio::any_io_executor ex, std::shared_ptr<client_tls> tls, rng& random, const clock& wall_clock);
  ~https_client();
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  // One exchange. Any HTTP status is a value; errors are for what kept an answer from
  // arriving whole: resolve, connect, TLS, deadline, size limit, a truncated body.
  awaitable<result<response>> send(request req);

  // send() again while the answer is retryable (classify_status / classify_error), waiting
  // backoff_delay between attempts. Returns the last answer or error. `observer`, when given,
  // hears of every attempt and of every wait the server asked for.
  awaitable<result<response>> send_with_retry(request req, retry_policy policy, exchange_observer* observer = nullptr);

  // Closes pooled connections (on reload, and in tests to force new connections). The TLS
  // sessions stay: the next connection to a host resumes one.
  void close_idle();

  // Connections opened so far; tests use it to see reuse.
  std::size_t connections_opened() const;
  // Of those, the ones whose TLS handshake resumed an earlier session of the same host.
  std::size_t sessions_resumed() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::net
