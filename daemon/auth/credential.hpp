#pragma once

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

#include <string>
#include <string_view>

namespace rootwatch::auth {

// A bearer token. Its value is a secret: it goes into an Authorization header and nowhere else.
struct access_token {
  std::string value;
  timestamp expires_on{};
  timestamp issued_at{};
};

// One way of obtaining tokens (client secret, certificate, workload identity, managed identity...).
class credential {
 public:
  virtual ~credential() = default;
  // A fresh token for `scope` ("https://management.azure.com/.default").
  virtual awaitable<result<access_token>> fetch(std::string scope) = 0;
  virtual std::string_view kind() const = 0;
};

}  // namespace rootwatch::auth
