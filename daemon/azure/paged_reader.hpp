#pragma once

// Reading a listing page by page, as every azure/ source must: every page or an error, never a
// partial list (invariant 1). The walk refuses what would leak the token or never end: a link
// to another origin than the configured endpoint, a link (or $skipToken) back to a page already
// read in this listing, and more than max_pages pages. Each refusal is an error of kind parse
// that names the listing and the page that gave the link.

#include "azure/bearer_client.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace rootwatch::azure {

struct paging {
  std::string listing;        // the listing in errors: "role assignment list", "activity log"
  std::string what;           // the requests in logs and errors: "arm role assignments"
  std::string link_name;      // the link in errors: "nextLink", "@odata.nextLink", "$skipToken"
  std::string base;           // the configured endpoint: every link must stay on its origin
  std::string endpoint_name;  // `base` in errors: "resource manager", "Graph endpoint"
  std::size_t max_pages = 1000;
};

// The bookkeeping of one listing, pure, so that each refusal is tested without a server.
class page_walk {
 public:
  // `first_url`, when given, counts as read: a link back to it is a loop.
  explicit page_walk(paging p, std::optional<std::string> first_url = std::nullopt);

  // Before a page is asked for: its number from 1, or an error once max_pages were read.
  result<std::size_t> next_page();

  // The link the page just read gave, before it is followed: same scheme (https), host (in any
  // case) and port as the configured endpoint, since the bearer token goes with it; and not
  // seen before in this listing, since following it again would only repeat the same pages
  // until the cap (or the cycle's deadline) ends the listing.
  result<void> follow_link(const std::string& url);

  // A continuation token sent in a body ($skipToken): not seen before in this listing.
  result<void> follow_token(const std::string& token);

 private:
  paging paging_;
  std::size_t page_ = 0;
  std::set<std::string> seen_;
};

// What one page held is taken by the caller; it answers with the page's link to the next one
// (nullopt on the last page) or with an error (a malformed page). The body is the caller's to
// keep (moved from), or to read as a string_view.
using page_fn = std::function<result<std::optional<std::string>>(std::string& body)>;

// Every page from `first_url` on, each a GET through `api`, the links followed verbatim and
// checked by a page_walk. An error from a page says which ("page 3: ...").
awaitable<result<void>> read_linked_pages(bearer_client& api, paging p, std::string first_url, page_fn on_page);

}  // namespace rootwatch::azure
