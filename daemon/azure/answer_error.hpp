#pragma once

// The error for a non-2xx answer, once for every API: each parser reads its own error body
// (ARM's nested or flat one, Graph's) and hands the code and message here. Pure.

#include "common/error.hpp"

#include <string_view>

namespace rootwatch::azure {

// "<what> answered <status>[ <code>][: <message>]", code and message scrubbed of secrets and
// cut on code-point boundaries (invariant 10); the body is never quoted whole. Kind and
// retryability by status: 401 auth, 403 permission, 429 throttled and retryable, 408 and 5xx
// retryable, any other an http error that is final.
error answer_error(int status, std::string_view what, std::string_view code, std::string_view message);

}  // namespace rootwatch::azure
