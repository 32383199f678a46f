#pragma once

// One-line, secret-free descriptions of what the fakes saw, for the rootwatch-fake program's
// output: the demo's audience reads these lines, so they say what happened in plain words.

#include "fake/fake_azure.hpp"
#include "fake/fake_receiver.hpp"

#include <string>

namespace rootwatch::fake {

// "azure: GET /providers/Microsoft.Authorization/roleAssignments -> 200 (2 items)". The query
// and the body are left out: they carry tokens and secrets.
std::string describe_request(const recorded_request& r);

// "receiver: FIRING critical assignment.created: User Access Administrator at "/" for User
// 'alice@contoso' in tenant contoso (signature verified, answered 200)". Knows the rootwatch
// alert, the common alert schema, CloudEvents and Alertmanager bodies; anything else is
// described by its size.
std::string describe_delivery(const delivery& d);

}  // namespace rootwatch::fake
