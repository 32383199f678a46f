// The body the HTTPS client reads answers into, driven through Beast's parser with the answer
// cut at every place a read can end: it must hold what string_body would, byte for byte.

#include "net/append_body.hpp"
#include "net/beast.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::net {
namespace {

struct parsed {
  beast::error_code ec;
  std::string body;
};

// Feeds `wire` to a parser in pieces of `step` bytes, as reads would bring them.
template <class Body>
parsed parse(const std::string& wire, std::size_t step, std::optional<std::uint64_t> limit = std::nullopt) {
  http::response_parser<Body> parser;
  parser.eager(true);
  if (limit) {
    parser.body_limit(*limit);
  }
  std::string pending;
  parsed out;
  for (std::size_t at = 0; at < wire.size() && !parser.is_done(); at += step) {
    pending += wire.substr(at, step);
    const auto used = parser.put(boost::asio::buffer(pending), out.ec);
    if (out.ec == http::error::need_more) {
      out.ec = {};
    } else if (out.ec) {
      return out;
    }
    pending.erase(0, used);
  }
  if (!parser.is_done()) {
    parser.put_eof(out.ec);
  }
  if (!out.ec) {
    out.body = parser.get().body();
  }
  return out;
}

std::string payload(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>('a' + (i * 7) % 26));
  }
  s[n / 2] = '\0';  // bytes, not a C string
  return s;
}

std::string with_length(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chunked(const std::string& body, std::size_t chunk) {
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const auto part = body.substr(at, chunk);
    wire += fmt::format("{:x}\r\n", part.size()) + part + "\r\n";
  }
  return wire + "0\r\n\r\n";
}

std::string until_close(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body;
}

TEST(append_body, holds_every_framing_of_an_answer_cut_at_every_size) {
  const auto body = payload(70'000);
  const std::vector<std::string> wires = {with_length(body), chunked(body, 1000), chunked(body, 16384),
                                          until_close(body)};
  for (const auto& wire : wires) {
    for (const std::size_t step : {1ul, 7ul, 512ul, 16'640ul, wire.size()}) {
      if (step == 1 && wire.size() > 100'000) {
        continue;
      }
      const auto got = parse<append_body>(wire, step);
      const auto reference = parse<http::string_body>(wire, step);
      ASSERT_FALSE(got.ec) << got.ec.message() << " step " << step;
      ASSERT_FALSE(reference.ec);
      EXPECT_EQ(got.body.size(), body.size());
      EXPECT_TRUE(got.body == body) << "step " << step;
      EXPECT_TRUE(got.body == reference.body);
    }
  }
}

TEST(append_body, an_empty_answer_is_an_empty_body) {
  EXPECT_EQ(parse<append_body>(with_length(""), 3).body, "");
  EXPECT_EQ(parse<append_body>(chunked("", 10), 3).body, "");
}

TEST(append_body, the_body_limit_holds_for_every_framing) {
  const auto body = payload(5'000);
  for (const auto& wire : {with_length(body), chunked(body, 100), until_close(body)}) {
    const auto got = parse<append_body>(wire, 512, 4'999);
    EXPECT_EQ(got.ec, http::error::body_limit) << got.ec.message();
    EXPECT_EQ(parse<append_body>(wire, 512, 5'000).body, body);
  }
}

TEST(append_body, a_cut_answer_is_an_error_not_a_short_body) {
  const auto body = payload(5'000);
  for (const auto& wire : {with_length(body), chunked(body, 100)}) {
    const auto got = parse<append_body>(wire.substr(0, wire.size() - 10), 512);
    EXPECT_EQ(got.ec, http::error::partial_message) << got.ec.message();
  }
}

}  // namespace
}  // namespace rootwatch::net
