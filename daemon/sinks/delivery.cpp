#include "sinks/delivery.hpp"

#include "auth/token_cache.hpp"
#include "net/https_client.hpp"
#include "net/retry.hpp"
#include "sinks/format_logs_ingestion.hpp"
#include "sinks/receiver_answer.hpp"
#include "sinks/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace rootwatch::sinks {

namespace {

// The body of one request: the rendered alert, or for azure_monitor_logs the array of every
// item's row.
result<rendered> render_batch(const resolved_sink& sink, std::span<const store::outbox_item> items) {
  if (sink.settings.kind != config::sink_kind::azure_monitor_logs) {
    if (items.size() != 1) {
      return make_error(error_kind::internal, fmt::format("sink {}: {} alerts in one request; this kind takes one",
                                                          sink.settings.name, items.size()));
    }
    return render(sink, items.front().payload);
  }
  std::vector<std::string> rows;
  rows.reserve(items.size());
  for (const auto& item : items) {
    auto row = render_logs_row(sink.settings, item.payload);
    if (!row) {
      return row.error();
    }
    rows.push_back(std::move(*row));
  }
  return rendered{logs_array(rows), "application/json"};
}

}  // namespace

std::size_t batch_prefix(const resolved_sink& sink, std::span<const store::outbox_item> items) {
  if (items.empty() || sink.settings.kind != config::sink_kind::azure_monitor_logs) {
    return std::min<std::size_t>(items.size(), 1);
  }
  std::vector<std::size_t> sizes;
  for (const auto& item : items) {
    auto row = render_logs_row(sink.settings, item.payload);
    if (!row) {
      // An unreadable row goes alone when it comes first, else the batch ends before it.
      return sizes.empty() ? 1 : logs_rows_that_fit(sizes);
    }
    sizes.push_back(row->size());
    if (sizes.size() > logs_max_rows) {
      break;
    }
  }
  return logs_rows_that_fit(sizes);
}

awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            const store::outbox_item& item, timestamp now) {
  co_return co_await attempt_delivery(http, sink, std::span(&item, 1), now);
}

awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            std::span<const store::outbox_item> items, timestamp now) {
  attempt_outcome out;
  if (items.empty()) {
    out.delivered = true;
    co_return out;
  }
  auto body = render_batch(sink, items);
  if (!body) {
    out.detail = body.error().message;
    out.final_status = body.error().kind != error_kind::internal;
    co_return out;
  }
  net::request req;
  req.method = "POST";
  req.url = sink.url;
  req.what = fmt::format("sink {}", sink.settings.name);
  req.timeout = sink.settings.timeout;
  req.body_limit = 64 * 1024;
  req.headers = {{"Content-Type", body->content_type}};
  // A webhook's own headers and bearer token; the loader keeps them off the names set here.
  req.headers.insert(req.headers.end(), sink.headers.begin(), sink.headers.end());
  if (!sink.bearer.empty()) {
    req.headers.push_back({"Authorization", "Bearer " + sink.bearer});
  }
  const std::string& scope = sink.settings.token_scope;
  if (sink.tokens) {
    auto token = co_await sink.tokens->get(scope);
    if (!token) {
      // Retried like a receiver that is down: the credential may work again (invariant 5: the
      // message is the credential's, already free of secrets).
      out.detail = fmt::format("sink {}: no token for {}: {}", sink.settings.name, scope, token.error().message);
      co_return out;
    }
    req.headers.push_back({"Authorization", "Bearer " + *token});
  }
  if (!sink.keys.empty()) {
    // The timestamp is of this attempt, so every retry is signed anew (Standard Webhooks).
    const store::outbox_item& item = items.front();
    const auto ts = to_unix_seconds(now);
    req.headers.push_back({"webhook-id", item.alert_id});
    req.headers.push_back({"webhook-timestamp", std::to_string(ts)});
    req.headers.push_back({"webhook-signature", sign_all(sink.keys, item.alert_id, ts, body->body)});
  }
  req.body = std::move(body->body);
  auto res = co_await http.send(std::move(req));
  if (!res) {
    out.unreachable = true;
    out.detail = res.error().message;
    co_return out;
  }
  out.status = res->status;
  out.answer = answer_excerpt(res->body);
  if (res->status >= 200 && res->status < 300) {
    out.delivered = true;
    co_return out;
  }
  // A 401 to a token we sent: expired early, revoked, or issued before the app role was
  // assigned. The next attempt asks for a new one, and is a retry like any other.
  const bool stale_token = res->status == 401 && sink.tokens;
  if (stale_token) {
    sink.tokens->invalidate(scope);
  }
  out.final_status = !stale_token && !net::classify_status(res->status).retry;
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
