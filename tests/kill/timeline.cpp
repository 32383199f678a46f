#include "kill/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rootwatch::kill {
namespace {

bool within(const life& l, timestamp t) {
  return t >= l.spawned && t <= l.reaped;
}

std::vector<const served_request*> listings_of(const life& l, const std::vector<served_request>& requests) {
  std::vector<const served_request*> out;
  for (const auto& r : requests) {
    if (r.listing && within(l, r.received_at)) {
      out.push_back(&r);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->received_at < b->received_at; });
  return out;
}

std::optional<timestamp> first_request_of(const life& l, const std::vector<served_request>& requests) {
  std::optional<timestamp> first;
  for (const auto& r : requests) {
    if (within(l, r.received_at) && (!first || r.received_at < *first)) {
      first = r.received_at;
    }
  }
  return first;
}

// A listing answered 200 after the assignment was added, and a next listing of the same life
// begun before its removal started: the first one held it, and its cycle had committed.
std::optional<std::string> proof_of_commit(const assignment_span& a, const std::vector<life>& lives,
                                           const std::vector<served_request>& requests) {
  for (const auto& l : lives) {
    const auto listings = listings_of(l, requests);
    for (std::size_t i = 0; i + 1 < listings.size(); ++i) {
      const auto* listed = listings[i];
      const auto* next = listings[i + 1];
      if (listed->status != 200 || listed->received_at < a.added) {
        continue;
      }
      if (a.remove_started && next->received_at > *a.remove_started) {
        continue;
      }
      return fmt::format("committed: listed at {} by life {}, whose next listing began at {}",
                         format_time(listed->received_at), l.number, format_time(next->received_at));
    }
  }
  return std::nullopt;
}

std::optional<std::string> proof_of_watch(const assignment_span& a, const std::vector<life>& lives,
                                          const std::vector<served_request>& requests, milliseconds window) {
  for (const auto& l : lives) {
    const auto first = first_request_of(l, requests);
    if (!first) {
      continue;
    }
    const timestamp from = std::max(a.added, *first);
    const timestamp to = a.remove_started ? std::min(*a.remove_started, l.killed) : l.killed;
    if (to - from >= window) {
      return fmt::format("watched: in view of life {} from {} to {}", l.number, format_time(from), format_time(to));
    }
  }
  return std::nullopt;
}

}  // namespace

milliseconds watch_window(milliseconds poll_interval) {
  return poll_interval * 2 + poll_interval / 5 + milliseconds{1'000};
}

expectations expected_alerts(const std::vector<life>& lives, const std::vector<assignment_span>& spans,
                             const std::vector<served_request>& requests, milliseconds poll_interval) {
  expectations out;
  for (const auto& a : spans) {
    const auto committed = proof_of_commit(a, lives, requests);
    const auto watched = proof_of_watch(a, lives, requests, watch_window(poll_interval));
    out.committed += committed ? 1 : 0;
    out.watched += watched ? 1 : 0;
    out.watched_only += watched && !committed ? 1 : 0;
    out.present_at_end += a.present_at_end() ? 1 : 0;
    std::string why = committed ? *committed : watched ? *watched : std::string();
    if (a.present_at_end()) {
      out.alerts.push_back({a.name, "assignment.created", why.empty() ? "present at the end" : why});
      ++out.created;
    } else if (!why.empty()) {
      out.alerts.push_back({a.name, "assignment.created", why});
      out.alerts.push_back({a.name, "assignment.removed", why + ", then removed"});
      ++out.created;
      ++out.removed;
    }
  }
  return out;
}

std::string format_time(timestamp t) {
  return format_iso8601(std::chrono::time_point_cast<milliseconds>(t));
}

}  // namespace rootwatch::kill
