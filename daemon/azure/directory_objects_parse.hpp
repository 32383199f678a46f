#pragma once

// Microsoft Graph directoryObjects/getByIds on the wire, both ways, pure: the URL and body we
// POST, and the answer. Unlike the listings that decide what exists, this only decorates
// alerts with names, so the reads are tolerant: an object without a usable id is skipped and
// counted, a displayName of the wrong type is no name, and only an answer that is not a
// {"value":[...]} at all is an error. Nothing from outside can throw (invariant 10); names are
// cut on code-point boundaries and made valid UTF-8, so they can go anywhere next.

#include "common/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

// The least privileged Graph application permission for getByIds (Graph's permission table);
// User.Read.All, Group.Read.All and Application.Read.All together cover the three types we ask
// for. A 403 names them.
inline constexpr std::string_view directory_read_permission = "Directory.Read.All";
inline constexpr std::string_view directory_read_alternative = "User.Read.All + Group.Read.All + Application.Read.All";

// Graph takes at most this many ids in one getByIds request.
inline constexpr std::size_t max_ids_per_request = 1000;

// Longest display name kept, in bytes (then "…").
inline constexpr std::size_t max_display_name_bytes = 256;

// {graph}/v1.0/directoryObjects/getByIds, the base with or without a trailing slash.
std::string directory_objects_url(std::string_view graph_base);

// {"ids":[...],"types":["user","group","servicePrincipal"]}. The ids are sent as given: the
// caller passes GUIDs only, since one id that is not a GUID fails the whole request (400).
std::string directory_objects_body(const std::vector<std::string>& ids);

struct directory_object {
  std::string id;    // lower-case GUID
  std::string type;  // User | Group | ServicePrincipal, as principal_ref names them; "" for any other
  // Absent when Graph left it out: an app that may not read this object type gets only the
  // id and @odata.type back (Graph's "limited information").
  std::optional<std::string> display_name;
  std::optional<std::string> user_principal_name;  // users only
};

struct directory_objects_page {
  std::vector<directory_object> objects;
  std::size_t skipped = 0;  // items that were not an object with a GUID id
};

result<directory_objects_page> parse_directory_objects(std::string_view body);

}  // namespace rootwatch::azure
