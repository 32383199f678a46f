#pragma once

// What send_with_retry tells whoever counts requests (the Azure API metrics): every attempt's
// outcome, and every wait the server asked for. The net part knows nothing of metrics; the
// caller passes one of these in.

#include "common/error.hpp"
#include "common/time.hpp"
#include "net/http_types.hpp"

namespace rootwatch::net {

class exchange_observer {
 public:
  virtual ~exchange_observer() = default;
  // After each attempt, the answer (any status) or what kept it from arriving.
  virtual void answered(const result<response>& outcome) = 0;
  // Before a wait the server asked for: a 429, or an answer with Retry-After. Backoff after a
  // plain failure is not throttling and is not reported here.
  virtual void throttled(milliseconds wait) = 0;
};

}  // namespace rootwatch::net
