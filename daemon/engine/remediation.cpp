#include "engine/remediation.hpp"

#include "engine/identity.hpp"

namespace rootwatch::engine {
namespace {

// "tenant contoso (<id>)": operators know tenants by the configured name, Azure by the id.
std::string tenant_label(const tenant_ref& tenant) {
  if (tenant.name.empty()) {
    return "tenant " + tenant.id;
  }
  return "tenant " + tenant.name + " (" + tenant.id + ")";
}

}  // namespace

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

std::string remediation_for_degraded(const tenant_ref& tenant) {
  // The lost Reader role comes first: it is how an attacker at "/" would blind the watcher,
  // and the other causes are as likely to show up in the detail's error text anyway.
  std::string text = "rootwatch cannot list the role assignments at \"/\" of ";
  text += tenant_label(tenant);
  text +=
      ", so new assignments there go unseen. Its principal may have lost Reader"
      " (Microsoft.Authorization/roleAssignments/read) at \"/\", which anyone with access at the root can"
      " take away, or its credential may be invalid or Azure unreachable. Check its access with:"
      " az role assignment list --scope / --assignee <rootwatch's client id>.";
  return text;
}

std::string remediation_for_recovered(const tenant_ref& tenant, timestamp blind_since) {
  std::string text = "rootwatch can list the role assignments at \"/\" of ";
  text += tenant_label(tenant);
  text += " again. It could not see them since ";
  text += format_iso8601(blind_since);
  text +=
      ": review what changed meanwhile in the directory Activity Log and the Entra ID audit log"
      " \"Azure RBAC (Elevated Access)\", since an assignment created and removed in that time left no"
      " trace in any listing.";
  return text;
}

}  // namespace rootwatch::engine
