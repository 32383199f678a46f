#pragma once

// Where a list page's nextLink value sits, so that a page read again can be compared with the
// one read before apart from its continuation token: a service may mint a new $skipToken for
// every request of the same listing. Pure, over the bytes; no JSON parse.

#include <cstddef>
#include <optional>
#include <string_view>

namespace rootwatch::azure {

// The URL's characters, [begin, end) of the body.
struct link_span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const link_span&) const = default;
};

// The nextLink member's value when it is a plain string (printable ASCII without a space, a
// quote or a backslash, so that it is the text verbatim) and the top object's first member (`{"nextLink":"…",` as a
// serialiser that sorts keys writes it) or its last (`…,"nextLink":"…"}` as ARM writes it). Nothing else of the page is
// looked at: the caller only trusts the span on a page whose other bytes equal those of a page parsed in full, where
// `once` held.
std::optional<link_span> find_next_link(std::string_view body);

// Whether `"nextLink"` occurs exactly once in the body: with a span found, then, no other
// member (nested, or a duplicate the parser might prefer) can be the link.
bool next_link_once(std::string_view body);

}  // namespace rootwatch::azure
