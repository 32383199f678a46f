#pragma once

// Principals the fake's Graph directory knows, for the tests of display-name look-ups: a user,
// a managed identity's service principal, and an object id that Graph does not know.

#include "fake/fake_azure.hpp"

#include <string>
#include <string_view>

namespace rootwatch::testing_support::principals {

inline constexpr std::string_view alice = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";     // "Alice Example"
inline constexpr std::string_view pipeline = "84b80893-8749-40a3-97b7-68513b600544";  // "deploy-pipeline"
inline constexpr std::string_view nobody = "0b944de3-e0fc-4774-a49a-b135213725ef";    // unknown

// Adds alice (alice@contoso.example) and pipeline to `azure`'s directory.
inline void add_to(fake::fake_azure& azure) {
  azure.add_user({"alice@contoso.example", "pw", std::string(alice), "Alice Example"});
  fake::managed_identity mi;
  mi.client_id = "11111111-2222-3333-4444-555555555555";
  mi.object_id = std::string(pipeline);
  mi.display_name = "deploy-pipeline";
  azure.add_managed_identity(mi);
}

}  // namespace rootwatch::testing_support::principals
