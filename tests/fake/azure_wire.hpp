#pragma once

// Internal to the fake Azure: Azure's wire details that do not depend on the fake's state.
// Request targets and form bodies taken apart, times in Azure's formats, error bodies.

#include "common/json.hpp"
#include "common/time.hpp"
#include "net/http_types.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::fake {

struct query_param {
  std::string key;                   // percent-decoded: "%24filter" is "$filter"
  std::string raw_value;             // as sent, for the check that nextLink came back verbatim
  std::optional<std::string> value;  // percent-decoded; nullopt when the encoding is broken
};

struct parsed_target {
  std::string path;  // percent-decoded
  std::vector<query_param> query;

  // Case-insensitive, as ARM treats parameter names ("$skiptoken", "$skipToken").
  const query_param* find(std::string_view key) const;
};

parsed_target parse_target(std::string_view target);

// application/x-www-form-urlencoded; nullopt when a value is not decodable.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body);

// "2016-08-17T19:21:16.3422480Z": ARM's 7 fractional digits, always.
std::string format_arm_time(timestamp t);
// "2020-04-07 20:52:51Z": the token endpoint's form.
std::string format_aad_time(timestamp t);
// "Tue, 15 Nov 1994 08:12:31 GMT" (RFC 9110 IMF-fixdate): Date and Retry-After headers.
std::string format_http_date(timestamp t);

net::server_response json_response(int status, const json& body);

// {"error":{"code","message"}} (§0).
net::server_response arm_error(int status, std::string_view code, std::string_view message);

struct aad_failure {
  int status = 400;
  std::string error;  // OAuth2 error: invalid_request, invalid_client, ...
  int aadsts = 0;
  std::string description;  // without the AADSTS prefix and the trailing ID lines
};

// The §1.4 body: error, error_description with "AADSTSnnn: ..." and the Trace ID,
// Correlation ID and Timestamp lines, error_codes, timestamp, trace_id, correlation_id,
// error_uri.
net::server_response aad_error(const aad_failure& f, std::string_view trace_id, std::string_view correlation_id,
                               timestamp now);

// The usual ARM error code for a status: 429 TenantRequestsThrottled, 503 ServiceUnavailable...
std::string_view arm_code_for_status(int status);

}  // namespace rootwatch::fake
