#pragma once

// The one parse of [daemon] listen. `validate` checks the value with it and `run` binds what
// it returns, so whatever validate accepts, run can listen on.

#include "common/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rootwatch {

struct listen_address {
  std::string host;  // an IP address in its canonical text form, without brackets
  std::uint16_t port = 0;
};

// "127.0.0.1:9469", "0.0.0.0:9469", "[::1]:9469", "[::]:9469"; port 0 picks a free port. Only
// IP literals: a listener binds an address, and a host name would resolve to any number of
// them (or none) at start-up. An empty text (the listener turned off) is the caller's case.
result<listen_address> parse_listen(std::string_view text);

}  // namespace rootwatch
