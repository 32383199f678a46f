#pragma once

// A webhook receiver on loopback HTTPS: records every POST, verifies Standard Webhooks
// signatures when given the secret, and fails on request so that retries can be tested.
// It runs on its own thread; every method is safe to call from the test thread.

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include "fake/test_ca.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::fake {

struct delivery {
  std::string method;
  std::string target;
  std::vector<net::header> headers;
  std::string body;               // raw, as signed
  std::optional<json> body_json;  // when the body is valid JSON
  timestamp received_at{};
  int status = 0;                       // what the receiver answered
  std::optional<bool> signature_valid;  // nullopt: no secret configured
  std::string signature_problem;        // why it did not verify
  std::string client_common_name;       // subject CN of the client certificate (mTLS), "" without one

  std::optional<std::string_view> header(std::string_view name) const { return net::find_header(headers, name); }
};

struct receiver_options {
  test_ca::leaf certificate;  // required: the receiver only speaks TLS
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/hook";
  std::optional<std::string> secret;  // "whsec_<base64>": verify Standard Webhooks signatures
  bool reject_bad_signatures = true;  // answer 401 to a delivery that does not verify
  seconds tolerance{300};
  // Called on the server thread after each delivery is answered, outside the receiver's lock.
  std::function<void(const delivery&)> on_delivery;
  // Called on the server thread with each delivery before it is recorded and answered, so that
  // a check is done by the time a test sees the delivery, and the answer is not held up after it.
  std::function<void(const delivery&)> before_record;
  // What a delivery that passes every check is answered (the Logs Ingestion API: 204, no body).
  int success_status = 200;
  // Called on the server thread before the answer is decided, outside the lock: a status it
  // returns is answered instead of success (e.g. 401 for a bearer token the test refuses).
  // Scripted failures still come first.
  std::function<std::optional<int>(const delivery&)> admit;
  // Mutual TLS: when set, the handshake requires a client certificate issued by this CA (PEM);
  // a client without one is refused before any request is read.
  std::optional<std::string> client_ca_pem;
};

class fake_receiver {
 public:
  static result<std::unique_ptr<fake_receiver>> start(receiver_options options);
  ~fake_receiver();
  fake_receiver(const fake_receiver&) = delete;
  fake_receiver& operator=(const fake_receiver&) = delete;

  std::string url() const;  // "https://127.0.0.1:PORT/hook"
  std::uint16_t port() const;

  // The next n deliveries are answered with `status` (and Retry-After when given); they are
  // recorded like the others.
  void fail_next(int n, int status, std::optional<seconds> retry_after = std::nullopt);
  // The next n deliveries are answered late, to trip the sender's deadline.
  void delay_next(int n, milliseconds delay);

  // Every delivery that `match` picks (given the request as recorded) is answered with
  // `status` after `delay`: a receiver that refuses, or hangs on, some alerts only. Rules are
  // tried in the order added, after fail_next's; clear_rules() ends them.
  void answer_when(std::function<bool(const delivery&)> match, int status, milliseconds delay = milliseconds{0});
  void clear_rules();

  std::vector<delivery> deliveries() const;
  void clear();

  // Waits until `done` holds for the deliveries so far, or the timeout passes; true if it held.
  bool wait_for(const std::function<bool(const std::vector<delivery>&)>& done, milliseconds timeout) const;
  bool wait_for_count(std::size_t n, milliseconds timeout) const;

  void stop();

 private:
  struct impl;
  explicit fake_receiver(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::fake
