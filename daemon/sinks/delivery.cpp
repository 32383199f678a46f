#include "sinks/delivery.hpp"

#include "net/https_client.hpp"
#include "net/retry.hpp"
#include "sinks/receiver_answer.hpp"
#include "sinks/render.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {

awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            const store::outbox_item& item, timestamp now) {
  attempt_outcome out;
  auto body = render(sink, item.payload);
  if (!body) {
    out.detail = body.error().message;
    out.final_status = true;
    co_return out;
  }
  net::request req;
  req.method = "POST";
  req.url = sink.url;
  req.what = fmt::format("sink {}", sink.settings.name);
  req.timeout = sink.settings.timeout;
  req.body_limit = 64 * 1024;
  req.headers = {{"Content-Type", body->content_type}};
  if (!sink.keys.empty()) {
    // The timestamp is of this attempt, so every retry is signed anew (Standard Webhooks).
    const auto ts = to_unix_seconds(now);
    req.headers.push_back({"webhook-id", item.alert_id});
    req.headers.push_back({"webhook-timestamp", std::to_string(ts)});
    req.headers.push_back({"webhook-signature", sign_all(sink.keys, item.alert_id, ts, body->body)});
  }
  req.body = std::move(body->body);
  auto res = co_await http.send(std::move(req));
  if (!res) {
    out.detail = res.error().message;
    co_return out;
  }
  out.status = res->status;
  out.answer = answer_excerpt(res->body);
  if (res->status >= 200 && res->status < 300) {
    out.delivered = true;
    co_return out;
  }
  out.final_status = !net::classify_status(res->status).retry;
  out.detail = fmt::format("sink {} answered {}", sink.settings.name, res->status);
  if (auto ra = res->header_value("Retry-After")) {
    out.retry_after = net::parse_retry_after(*ra, net::server_now(res->header_value("Date"), now));
  }
  co_return out;
}

retry_plan plan_retry(const config::sink_settings& sink, const store::outbox_item& item, const attempt_outcome& outcome,
                      timestamp now, double jitter01) {
  retry_plan plan;
  if (outcome.final_status || now - item.created_at >= sink.give_up_after) {
    plan.give_up = true;
    return plan;
  }
  net::retry_policy policy;
  policy.initial_backoff = sink.retry_initial_backoff;
  policy.max_backoff = sink.retry_max_backoff;
  policy.max_retry_after = sink.retry_max_backoff;
  plan.next_attempt_at = now + net::backoff_delay(item.attempts + 1, policy, outcome.retry_after, jitter01);
  return plan;
}

}  // namespace rootwatch::sinks
