#pragma once

// Pieces of configuration text for the config tests, which assert on file:line: keep the
// number of lines each piece has.

#include "config/load.hpp"

#include <string>
#include <string_view>

namespace rootwatch::testing_support {

// A [[tenant]] table that loads, seven lines, each ending in a newline.
inline std::string tenant_table(std::string_view name = "contoso",
                                std::string_view tenant_id = "00000000-0000-0000-0000-000000000000",
                                std::string_view secret_file = {}) {
  std::string t = "[[tenant]]\nname = \"";
  t.append(name).append("\"\ntenant_id = \"").append(tenant_id).append("\"\n");
  t += "  [tenant.credential]\n  kind = \"client_secret\"\n  client_id = \"11111111-1111-1111-1111-111111111111\"\n";
  t.append("  client_secret_file = \"").append(secret_file.empty() ? name : secret_file).append("\"\n");
  return t;
}

// Every problem of a load, one per line: for HasSubstr and for failure messages.
inline std::string problem_lines(const config::load_result& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

}  // namespace rootwatch::testing_support
