// Figures, not assertions: the cost of parsing one ARM role assignment list page of 100 items
// (the shape of azure-apis.md §4.1), by nlohmann's DOM (the parser before issue 9, still the
// fallback) and by the public parser (the simdjson fast path). Instructions come from callgrind,
// divided by the pages parsed (MODE is dom or fast):
//   valgrind --tool=callgrind --toggle-collect='*parse_role_assignment_page*' bench_parse MODE 10
// Without valgrind it prints the wall time per page.

#include "azure/arm_parse.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string page(int items) {
  std::string body = "{\"value\":[";
  for (int i = 0; i < items; ++i) {
    body += fmt::format(
        R"({}{{"properties":{{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/)"
        R"(18d7d88d-d35e-4fb5-a5c3-7773c20a72d9","principalId":"3f2a9c10-5b7e-4d21-9a0c-{:012x}",)"
        R"("principalType":"User","scope":"/","condition":null,"conditionVersion":null,)"
        R"("createdOn":"2025-02-11T09:58:12.1234567Z","updatedOn":"2025-02-11T09:58:12.1234567Z",)"
        R"("createdBy":"7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f","updatedBy":"7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",)"
        R"("delegatedManagedIdentityResourceId":null,"description":null}},)"
        R"("id":"/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-{:012x}",)"
        R"("type":"Microsoft.Authorization/roleAssignments","name":"a1b2c3d4-0000-4000-8000-{:012x}"}})",
        i == 0 ? "" : ",", i, i, i);
  }
  body +=
      "],\"nextLink\":\"https://management.azure.com/providers/Microsoft.Authorization/roleAssignments"
      "?api-version=2022-04-01&$skiptoken=abc\"}";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "fast";
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 1000;
  const std::string body = page(100);
  const auto parse =
      mode == "dom" ? rootwatch::azure::parse_role_assignment_page_dom : rootwatch::azure::parse_role_assignment_page;
  std::size_t items = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    const auto result = parse(body);
    if (!result) {
      fmt::print(stderr, "parse failed: {}\n", result.error().message);
      return 1;
    }
    items += result->items.size();
  }
  const auto elapsed = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start);
  fmt::print("{}: {} bytes, {} items per page, {:.1f} us per page over {} pages\n", mode, body.size(),
             items / static_cast<std::size_t>(iterations > 0 ? iterations : 1), elapsed.count() / iterations,
             iterations);
  return 0;
}
