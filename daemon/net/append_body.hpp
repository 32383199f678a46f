#pragma once

// For net/*.cpp and their tests only: it brings Beast in (see beast.hpp).
#include "net/beast.hpp"

#include <boost/optional.hpp>

#include <cstdint>
#include <string>

namespace rootwatch::net {

// A body read into a std::string by appending each part. Beast's string_body resizes the string
// before it copies each part in, and the resize writes zeros first: at 100 tenants with 200
// assignments at "/" that fill was a tenth of the daemon's CPU, with the page faults of the
// fresh heap it touched. append() copies once into the room reserved from Content-Length.
// Only reads: requests are written with string_body.
struct append_body {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(http::header<isRequest, Fields>& /*head*/, value_type& body) : body_(body) {}

    // The parser has checked the length against its body limit before this is called.
    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      ec = {};
      if (length) {
        if (*length > body_.max_size()) {
          ec = http::error::buffer_overflow;
          return;
        }
        body_.reserve(static_cast<std::size_t>(*length));
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      const std::size_t extra = beast::buffer_bytes(buffers);
      if (extra > body_.max_size() - body_.size()) {
        ec = http::error::buffer_overflow;
        return 0;
      }
      ec = {};
      for (const auto b : beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(b.data()), b.size());
      }
      return extra;
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace rootwatch::net
