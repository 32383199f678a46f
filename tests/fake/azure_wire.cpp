#include "fake/azure_wire.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <fmt/format.h>

#include <array>

namespace rootwatch::fake {
namespace {

struct civil_time {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::system_clock::duration> time;
};

civil_time split_time(timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  return {std::chrono::year_month_day{day}, std::chrono::hh_mm_ss{t - day}};
}

std::string date_and_time(const civil_time& c, char separator) {
  return fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", static_cast<int>(c.date.year()),
                     static_cast<unsigned>(c.date.month()), static_cast<unsigned>(c.date.day()), separator,
                     c.time.hours().count(), c.time.minutes().count(), c.time.seconds().count());
}

}  // namespace

const query_param* parsed_target::find(std::string_view key) const {
  for (const auto& p : query) {
    if (iequals(p.key, key)) {
      return &p;
    }
  }
  return nullptr;
}

parsed_target parse_target(std::string_view target) {
  parsed_target out;
  const auto qpos = target.find('?');
  out.path = decode_path(target.substr(0, qpos));
  if (qpos == std::string_view::npos) {
    return out;
  }
  for (auto& p : split_params(target.substr(qpos + 1))) {
    out.query.push_back({std::move(p.key), std::move(p.raw_value), std::move(p.value)});
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  for (auto& p : split_params(body)) {
    if (!p.value) {
      return std::nullopt;
    }
    out.insert_or_assign(std::move(p.key), std::move(*p.value));
  }
  return out;
}

std::string format_arm_time(timestamp t) {
  using ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;  // .NET's 100 ns
  const timestamp whole = std::chrono::floor<std::chrono::seconds>(t);
  const auto fraction = std::chrono::duration_cast<ticks>(t - whole).count();
  return fmt::format("{}.{:07}Z", date_and_time(split_time(whole), 'T'), fraction);
}

std::string format_aad_time(timestamp t) {
  return date_and_time(split_time(t), ' ') + "Z";
}

std::string format_http_date(timestamp t) {
  static constexpr std::array<std::string_view, 7> days{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto c = split_time(std::chrono::floor<std::chrono::seconds>(t));
  const auto day_number = std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
  // 1970-01-01 was a Thursday.
  const auto weekday = static_cast<std::size_t>(((day_number % 7) + 7) % 7);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", days.at(weekday), static_cast<unsigned>(c.date.day()),
                     months.at(static_cast<unsigned>(c.date.month()) - 1), static_cast<int>(c.date.year()),
                     c.time.hours().count(), c.time.minutes().count(), c.time.seconds().count());
}

net::server_response json_response(int status, const json& body) {
  net::server_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  r.headers.push_back({"Cache-Control", "no-cache"});
  // Fault texts may hold anything; the fake must still answer.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

net::server_response arm_error(int status, std::string_view code, std::string_view message) {
  auto r = json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
  r.headers.push_back({"x-ms-failure-cause", "gateway"});
  return r;
}

net::server_response aad_error(const aad_failure& f, std::string_view trace_id, std::string_view correlation_id,
                               timestamp now) {
  const std::string stamp = format_aad_time(now);
  const std::string description = fmt::format("AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                                              f.aadsts, f.description, trace_id, correlation_id, stamp);
  json body = {{"error", f.error},
               {"error_description", description},
               {"error_codes", json::array({f.aadsts})},
               {"timestamp", stamp},
               {"trace_id", trace_id},
               {"correlation_id", correlation_id},
               {"error_uri", fmt::format("https://login.microsoftonline.com/error?code={}", f.aadsts)}};
  auto r = json_response(f.status, body);
  r.headers.push_back({"x-ms-request-id", std::string(trace_id)});
  return r;
}

std::string_view arm_code_for_status(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "InvalidAuthenticationToken";
    case 403:
      return "AuthorizationFailed";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 429:
      return "TenantRequestsThrottled";
    case 500:
      return "InternalServerError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "Error";
  }
}

}  // namespace rootwatch::fake
