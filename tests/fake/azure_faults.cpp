// The fault switches: which request a fault hits, and what the answer looks like then.

#include "fake/azure_state.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

// Looks like what a proxy in front of a service sends on a bad day, under a 200.
constexpr std::string_view garbage_body =
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    "<body><h1>The service is temporarily unavailable.</h1></body></html>";

// Valid JSON that is wrong for every route at once: "value" not an array, "nextLink" not a
// string, "properties" not an object, no usable "access_token" or "expires_in".
constexpr std::string_view wrong_shape_body =
    R"({"value":{"unexpected":true},"nextLink":42,"properties":[],"access_token":null,"expires_in":"never"})";

bool matches(const fault& f, azure_route route, std::optional<std::size_t> page) {
  if (f.route != azure_route::any && f.route != route) {
    return false;
  }
  return !f.page || (page && *page == *f.page);
}

std::string arm_message(const azure_state& st, int status, int retry_after) {
  if (status == 429) {
    return fmt::format(
        "Number of 'read' requests for tenant '{}' exceeded. Please try again after '{}' seconds "
        "after additional tokens are available.",
        st.tenant_id, retry_after);
  }
  return fmt::format("The request failed with status {} (injected by the fake).", status);
}

net::server_response status_response(azure_state& st, const fault& f, azure_route route, timestamp now) {
  const int retry_after = f.retry_after_seconds.value_or(1);
  net::server_response r;
  if (route == azure_route::token) {
    const bool transient = f.status == 429 || f.status >= 500;
    aad_failure failure{f.status, f.code.empty() ? (transient ? "temporarily_unavailable" : "invalid_request") : f.code,
                        transient ? 90033 : 90014,
                        transient ? "A transient error has occurred. Please try again." : "The request was refused."};
    r = aad_error(failure, st.new_guid(), st.new_guid(), now);
  } else {
    const std::string code = f.code.empty() ? std::string(arm_code_for_status(f.status)) : f.code;
    r = arm_error(f.status, code, arm_message(st, f.status, retry_after));
  }
  if (f.retry_after_seconds || f.status == 429) {
    r.headers.push_back({"Retry-After", std::to_string(retry_after)});
  }
  if (f.status == 401 && route != azure_route::token) {
    r.headers.push_back({"WWW-Authenticate", "Bearer error=\"invalid_token\""});
  }
  return r;
}

net::server_response body_of_200(std::string_view body) {
  net::server_response r;
  r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  r.body = std::string(body);
  return r;
}

}  // namespace

std::optional<fault> take_fault(azure_state& st, azure_route route, std::optional<std::size_t> page) {
  for (auto it = st.faults.begin(); it != st.faults.end(); ++it) {
    if (!matches(*it, route, page)) {
      continue;
    }
    fault hit = *it;
    if (it->count && --*it->count <= 0) {
      st.faults.erase(it);
    }
    return hit;
  }
  return std::nullopt;
}

handled apply_fault(azure_state& st, const fault& f, azure_route route, timestamp now,
                    const std::function<handled()>& normal) {
  const std::string note = fmt::format("fault {}", to_string(f.kind));
  switch (f.kind) {
    case fault_kind::status:
      return {status_response(st, f, route, now), fmt::format("fault status {}", f.status), std::nullopt};
    case fault_kind::garbage:
      return {body_of_200(garbage_body), note, std::nullopt};
    case fault_kind::wrong_shape:
      return {body_of_200(wrong_shape_body), note, std::nullopt};
    case fault_kind::truncate: {
      auto h = normal();
      h.response.truncate_body = true;
      h.note = fmt::format("{}, fault truncate", h.note);
      return h;
    }
    case fault_kind::delay: {
      auto h = normal();
      h.response.delay = f.delay;
      h.note = fmt::format("{}, fault delay {} ms", h.note, f.delay.count());
      return h;
    }
  }
  return normal();
}

}  // namespace rootwatch::fake
