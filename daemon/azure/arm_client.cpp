#include "azure/arm_client.hpp"

#include "azure/arm_parse.hpp"
#include "azure/page_link.hpp"
#include "azure/paged_reader.hpp"
#include "common/clock.hpp"

#include <algorithm>
#include <iterator>

namespace rootwatch::azure {
namespace {

constexpr std::string_view list_path =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

}  // namespace

arm_client::arm_client(net::https_client& http, auth::token_cache& tokens, arm_options options, rng& random,
                       const clock& wall)
    : options_(std::move(options)),
      clock_(wall),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "x-ms-client-request-id", arm_error, options_.observer},
           random, wall),
      roles_(options_.base,
             [this](std::string url, std::string what) { return api_.get(std::move(url), std::move(what)); }) {}

awaitable<result<std::vector<engine::assignment>>> arm_client::list_root_assignments() {
  auto read = co_await read_listing({});
  if (!read) {
    co_return read.error();
  }
  co_return std::move(read->rows);
}

// The pages are tagged as they come, all but the nextLink's URL (see page_link.hpp). While each
// is the same as the page at its place in the listing the caller holds, it is not parsed: its
// link is taken from where the parser found it last time, and its body waits. The first page
// that differs (or any page, when the caller holds nothing this client read) has every waiting
// page parsed before it, in order, so the rows come out as a full parse gives them. The walk's
// checks (origin, loops, max_pages) apply to every link alike.
awaitable<result<arm_client::listing>> arm_client::read_listing(const std::string& held) {
  listing out;
  bool parsing = held.empty() || held != fingerprint_;
  std::vector<read_page> pages;
  std::vector<std::string> waiting;
  const auto parse_into = [&out](std::string_view body) -> result<std::optional<std::string>> {
    auto parsed = parse_role_assignment_page(body);
    if (!parsed) {
      return parsed.error();
    }
    // The first page's rows are taken whole, the others moved once into room made for them.
    if (out.rows.empty()) {
      out.rows = std::move(parsed->items);
    } else {
      out.rows.reserve(out.rows.size() + parsed->items.size());
      std::move(parsed->items.begin(), parsed->items.end(), std::back_inserter(out.rows));
    }
    return std::move(parsed->next_link);
  };
  const auto parse_waiting = [&]() -> result<void> {
    parsing = true;
    for (const auto& body : waiting) {
      if (auto r = parse_into(body); !r) {
        return r.error();
      }
    }
    waiting.clear();
    return {};
  };
  paging p{"role assignment list", "arm role assignments", "nextLink",
           options_.base,          "resource manager",     options_.max_pages};
  auto read = co_await read_linked_pages(
      api_, std::move(p), options_.base + std::string(list_path),
      [&](std::string& body) -> result<std::optional<std::string>> {
        const std::string_view text = body;
        const auto span = find_next_link(text);
        const auto tag = span ? tag_of({text.substr(0, span->begin), text.substr(span->end)}) : tag_of(text);
        const std::size_t at = pages.size();
        if (!parsing && tag && at < pages_.size() && pages_[at].tag == tag && pages_[at].linked == span.has_value()) {
          std::optional<std::string> next;
          if (span) {
            next.emplace(text.substr(span->begin, span->end - span->begin));
          }
          pages.push_back(pages_[at]);
          waiting.push_back(std::move(body));
          return next;
        }
        if (!parsing) {
          if (auto r = parse_waiting(); !r) {
            return r.error();
          }
        }
        auto next = parse_into(text);
        if (!next) {
          return next.error();
        }
        // Kept for the next read only where the span says what the parser said: the one
        // "nextLink" of the page, its URL verbatim; or no link at all.
        const bool agrees =
            span ? (*next && next_link_once(text) && **next == text.substr(span->begin, span->end - span->begin))
                 : !*next;
        pages.push_back(read_page{agrees ? tag : std::nullopt, span.has_value()});
        return next;
      });
  if (!read) {
    co_return read.error();
  }
  const bool tagged =
      std::all_of(pages.begin(), pages.end(), [](const read_page& page) { return page.tag.has_value(); });
  if (tagged) {
    for (const auto& page : pages) {
      out.fingerprint.append(reinterpret_cast<const char*>(page.tag->data()), page.tag->size());
    }
  }
  if (!parsing && tagged && pages.size() == pages_.size()) {
    out.unchanged = true;
    co_return out;
  }
  if (!parsing) {
    // Every page matched but the listing ended elsewhere: cannot happen with the links taken
    // as the parser gave them, and reading in full is right whatever the reason.
    if (auto r = parse_waiting(); !r) {
      co_return r.error();
    }
  }
  pages_ = std::move(pages);
  fingerprint_ = out.fingerprint;
  co_return out;
}

awaitable<result<std::string>> arm_client::role_name(const std::string& role_id) {
  co_return co_await roles_.name(role_id);
}

awaitable<result<engine::snapshot>> arm_client::snapshot(std::string held) {
  auto list = co_await read_listing(held);
  if (!list) {
    co_return list.error();
  }
  if (list->unchanged) {
    engine::snapshot same;
    same.source = "arm";
    same.taken_at = clock_.now();
    same.fingerprint = std::move(list->fingerprint);
    same.unchanged = true;
    co_return same;
  }
  auto snap = co_await roles_.snapshot("arm", std::move(list->rows), clock_.now());
  if (snap) {
    snap->fingerprint = std::move(list->fingerprint);
  }
  co_return snap;
}

}  // namespace rootwatch::azure
