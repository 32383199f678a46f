#pragma once

// A small HTTP/1.1 client for the tests of the fakes and of net::http_server: verified TLS
// against the test CA (host name checked), one connection per object, keep-alive, a deadline
// on every step. The daemon's own client is net::https_client; this one exists so that the
// fakes can be tested without it, and can send what a well-behaved client never would.

#include "common/error.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rootwatch::fake {

struct client_request {
  std::string method = "GET";
  std::string target = "/";  // sent verbatim
  std::vector<net::header> headers;
  std::string body;
};

class test_connection {
 public:
  // Connects to host:port; with a CA in PEM, speaks TLS and verifies the server's certificate
  // against it and against `host` (or `verify_name`, to test that a wrong name is refused);
  // with an empty CA, speaks plain HTTP.
  static result<std::unique_ptr<test_connection>> open(const std::string& host, std::uint16_t port,
                                                       const std::string& ca_pem,
                                                       milliseconds timeout = milliseconds(5'000),
                                                       const std::string& verify_name = "");
  ~test_connection();
  test_connection(const test_connection&) = delete;
  test_connection& operator=(const test_connection&) = delete;

  // One request and its response on this connection. Transport failures (timeout, reset, a
  // body cut short) are errors; every HTTP status is a value.
  result<net::response> exchange(const client_request& req, milliseconds timeout = milliseconds(5'000));

 private:
  struct impl;
  explicit test_connection(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// One request on a connection of its own. `url` is "https://host:port/target" or "http://...";
// the target part is sent exactly as written (what "follow nextLink verbatim" means).
result<net::response> fetch(const std::string& ca_pem, const std::string& method, const std::string& url,
                            std::vector<net::header> headers = {}, std::string body = {},
                            milliseconds timeout = milliseconds(5'000));

}  // namespace rootwatch::fake
