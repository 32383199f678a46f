#pragma once

// One authorized request to an Azure API, as every azure/ client sends it: a bearer token for
// the client's audience, a request id, the request's own deadline, the retry policy (backoff
// with jitter, Retry-After obeyed up to its cap) and one token renewal after a 401. What is
// the client's own stays with it: the URL and body it builds, and how its API's error body
// reads (answer_error_fn).

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "net/exchange_observer.hpp"
#include "net/http_types.hpp"
#include "net/retry.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch {
class clock;
class rng;
namespace net {
class https_client;
}
namespace auth {
class token_cache;
}
}  // namespace rootwatch

namespace rootwatch::azure {

// A non-2xx answer as an error in the API's terms: arm_error, graph_error, activity_log_error.
using answer_error_fn = std::function<error(int status, std::string_view body, std::string_view what)>;

struct bearer_options {
  std::string scope;  // token scope: https://management.azure.com/.default
  milliseconds timeout{30'000};
  net::retry_policy retry;
  // ARM and its services read x-ms-client-request-id; Graph reads client-request-id (§6).
  std::string request_id_header = "x-ms-client-request-id";
  answer_error_fn to_error;  // for get(); send() leaves the status to its caller
  // Hears of every attempt and every throttling wait (the API metrics); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class bearer_client {
 public:
  bearer_client(net::https_client& http, auth::token_cache& tokens, bearer_options options, rng& random,
                const clock& wall);

  // `req` (method, url, body, what) with the token, Accept, a fresh request id and, with a
  // body, Content-Type added and the configured timeout set; sent under the retry policy. A 401
  // renews the token once and sends again: the token may have been revoked or have expired
  // early (CAE); a second 401 is the answer. Any other status comes back as it is, for callers
  // that read the headers of an error too (Resource Graph's quota).
  awaitable<result<net::response>> send(net::request req);

  // A GET whose answer is a 2xx, or the API's error with the server's Retry-After.
  awaitable<result<net::response>> get(std::string url, std::string what);

  // The error for a non-2xx answer: options' to_error, with the server's Retry-After.
  error refusal(const net::response& res, std::string_view what) const;

  // The server's Retry-After, read against its own Date; nullopt when absent or unreadable.
  std::optional<milliseconds> retry_after(const net::response& res) const;

  // A wait the client makes by itself because Azure asked it to (Resource Graph's quota), so
  // that it counts with the waits the retry loop makes.
  void throttled(milliseconds wait);

 private:
  net::https_client& http_;
  auth::token_cache& tokens_;
  bearer_options options_;
  rng& random_;
  const clock& clock_;
};

}  // namespace rootwatch::azure
