#include "engine/remediation.hpp"

#include "engine/identity.hpp"

namespace rootwatch::engine {

bool is_root_elevation(const assignment& a) {
  return canonical_scope(a.scope) == "/" && canonical_role_id(a.role.id) == user_access_administrator_role_id;
}

std::string shell_quote(std::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string remediation_for_present(const assignment& a) {
  std::string text = "Remove the role assignment unless it is expected: az role assignment delete --ids ";
  text += shell_quote(a.id);
  text += '.';
  if (is_root_elevation(a)) {
    // Elevated access is per administrator; only that administrator's own toggle removes it
    // this way, which is why the command above stays the primary hint.
    text +=
        " If it is a Global Administrator's elevated access, that administrator can also switch off"
        " \"Access management for Azure resources\" in Microsoft Entra ID > Properties.";
  }
  return text;
}

std::string remediation_for_removed(const assignment& a) {
  std::string text = "Nothing to remove: the role assignment ";
  text += a.id;
  text +=
      " is already gone. Review who created it and what was done with it while it existed"
      " (directory Activity Log, Entra ID audit log \"Azure RBAC (Elevated Access)\").";
  return text;
}

}  // namespace rootwatch::engine
