#include "fake/fake_azure.hpp"

#include "common/strings.hpp"
#include "fake/azure_state.hpp"
#include "fake/server_thread.hpp"
#include "net/tls.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

timestamp wall_now() {
  return std::chrono::system_clock::now();
}

// Fills what the caller left open (name, dates) and stores the assignment.
role_assignment store_assignment(azure_state& st, role_assignment a, timestamp now) {
  a.name = a.name.empty() ? st.new_guid() : to_lower(a.name);
  if (!a.created_on) {
    a.created_on = now;
  }
  if (!a.updated_on) {
    a.updated_on = a.created_on;
  }
  st.assignments.push_back(a);
  return a;
}

bool erase_assignment(azure_state& st, std::string_view name) {
  return std::erase_if(st.assignments, [&](const role_assignment& a) { return iequals(a.name, name); }) > 0;
}

json state_json(const azure_state& st) {
  json apps = json::array();
  for (const auto& [id, app] : st.apps) {
    apps.push_back({{"client_id", app.client_id}, {"object_id", app.object_id}, {"display_name", app.display_name}});
  }
  json users = json::array();
  for (const auto& [upn, user] : st.users) {
    users.push_back(
        {{"upn", user.upn}, {"object_id", user.object_id}, {"display_name", user.display_name}, {"ip", user.ip}});
  }
  json assignments = json::array();
  for (const auto& a : st.assignments) {
    assignments.push_back(to_arm_json(a));
  }
  json faults = json::array();
  for (const auto& f : st.faults) {
    faults.push_back(to_json(f));
  }
  json counts = json::object();
  for (const auto& [route, n] : st.counts) {
    counts[std::string(to_string(route))] = n;
  }
  json roles = json::array();
  for (const auto& [id, d] : st.definitions) {
    roles.push_back({{"name", d.name}, {"role_name", d.role_name}, {"type", d.type}});
  }
  return {{"tenant_id", st.tenant_id},
          {"base_url", st.base_url},
          {"page_size", st.page_size},
          {"token_lifetime_seconds", st.token_lifetime.count()},
          {"null_next_link", st.null_next_link},
          {"mirror_tenants", st.mirror_tenants},
          {"next_link_override", st.next_link_override.empty() ? json() : json(st.next_link_override)},
          {"clock_offset_seconds", st.clock_offset.count()},
          {"tokens_issued", st.tokens.size()},
          {"apps", apps},
          {"users", users},
          {"role_definitions", roles},
          {"assignments", assignments},
          {"faults", faults},
          {"graph", graph_state_json(st)},
          {"entra_audit", audit_state_json(st)},
          {"activity_log", activity_state_json(st)},
          {"directory_objects", directory_objects_state_json(st)},
          {"counts", counts}};
}

result<app_registration> app_from_json(const json& j) {
  if (!j.is_object() || !j.value("client_id", json()).is_string() || !j.value("client_secret", json()).is_string() ||
      !j.value("object_id", json()).is_string()) {
    return make_error(error_kind::config, "apps[]: needs client_id, client_secret and object_id strings");
  }
  const std::string client_id = j.at("client_id").get<std::string>();
  return app_registration{client_id, j.at("client_secret").get<std::string>(),
                          normalize_guid(j.at("object_id").get<std::string>()), j.value("display_name", client_id)};
}

result<user_account> user_from_json(const json& j) {
  if (!j.is_object() || !j.value("upn", json()).is_string() || !j.value("password", json()).is_string() ||
      !j.value("object_id", json()).is_string()) {
    return make_error(error_kind::config, "users[]: needs upn, password and object_id strings");
  }
  if (j.contains("ip") && !j.at("ip").is_string()) {
    return make_error(error_kind::config, "users[]: 'ip' must be a string");
  }
  const std::string upn = j.at("upn").get<std::string>();
  user_account user{upn, j.at("password").get<std::string>(), normalize_guid(j.at("object_id").get<std::string>()),
                    j.value("display_name", upn)};
  user.ip = j.value("ip", user.ip);
  return user;
}

result<role_definition> definition_from_json(const json& j) {
  if (!j.is_object() || !j.value("name", json()).is_string() || !j.value("role_name", json()).is_string() ||
      !is_guid(j.at("name").get<std::string>())) {
    return make_error(error_kind::config, "role_definitions[]: needs a GUID 'name' and a 'role_name'");
  }
  role_definition d;
  d.name = normalize_guid(j.at("name").get<std::string>());
  d.role_name = j.at("role_name").get<std::string>();
  d.type = j.value("type", "CustomRole");
  d.description = j.value("description", "");
  d.actions = j.value("actions", std::vector<std::string>{});
  d.not_actions = j.value("not_actions", std::vector<std::string>{});
  return d;
}

// Applies one seed section to `st`, each entry through `parse` and `add`.
template <class Parse, class Add>
result<void> seed_section(const json& seed, std::string_view name, Parse parse, Add add) {
  if (!seed.contains(name)) {
    return {};
  }
  if (!seed.at(name).is_array()) {
    return make_error(error_kind::config, fmt::format("seed: '{}' must be an array", name));
  }
  for (const auto& entry : seed.at(name)) {
    auto parsed = parse(entry);
    if (!parsed) {
      return parsed.error();
    }
    add(std::move(*parsed));
  }
  return {};
}

result<void> apply_seed(azure_state& st, const json& seed, timestamp now) {
  if (!seed.is_object()) {
    return make_error(error_kind::config, "seed: expected a JSON object");
  }
  auto done = seed_section(seed, "apps", app_from_json,
                           [&](app_registration a) { st.apps.insert_or_assign(to_lower(a.client_id), std::move(a)); });
  if (done) {
    done = seed_section(seed, "users", user_from_json,
                        [&](user_account u) { st.users.insert_or_assign(to_lower(u.upn), std::move(u)); });
  }
  if (done) {
    done = seed_section(seed, "role_definitions", definition_from_json,
                        [&](role_definition d) { st.definitions.insert_or_assign(d.name, std::move(d)); });
  }
  if (done) {
    // After the roles, so that an assignment may name a custom role of the same seed.
    done = seed_section(
        seed, "assignments", [&](const json& j) { return assignment_from_json(st, j); },
        [&](role_assignment a) { store_assignment(st, std::move(a), now); });
  }
  return done;
}

net::server_response control_error(int status, const std::string& message) {
  return json_response(status, json{{"error", message}});
}

net::server_response post_faults(azure_state& st, const net::server_request& req) {
  const json body = json::parse(req.body, nullptr, false);
  const json list = body.is_array() ? body : json::array({body});
  std::vector<fault> parsed;
  for (const auto& j : list) {
    auto f = fault_from_json(j);
    if (!f) {
      return control_error(400, f.error().message);
    }
    parsed.push_back(*f);
  }
  st.faults.insert(st.faults.end(), parsed.begin(), parsed.end());
  return json_response(200, state_json(st).at("faults"));
}

net::server_response post_settings(azure_state& st, const net::server_request& req) {
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    return control_error(400, "settings: expected a JSON object");
  }
  if (body.contains("page_size") && body.at("page_size").is_number_integer() && body.at("page_size").get<int>() > 0) {
    st.page_size = body.at("page_size").get<std::size_t>();
  }
  if (body.contains("token_lifetime_seconds") && body.at("token_lifetime_seconds").is_number_integer() &&
      body.at("token_lifetime_seconds").get<std::int64_t>() >= 0) {
    st.token_lifetime = seconds(body.at("token_lifetime_seconds").get<std::int64_t>());
  }
  if (body.contains("null_next_link") && body.at("null_next_link").is_boolean()) {
    st.null_next_link = body.at("null_next_link").get<bool>();
  }
  // A URL turns the override on; null or "" turns it off.
  if (body.contains("next_link_override") && body.at("next_link_override").is_string()) {
    st.next_link_override = body.at("next_link_override").get<std::string>();
  } else if (body.contains("next_link_override") && body.at("next_link_override").is_null()) {
    st.next_link_override.clear();
  }
  if (body.contains("mirror_tenants") && body.at("mirror_tenants").is_boolean()) {
    st.mirror_tenants = body.at("mirror_tenants").get<bool>();
  }
  if (body.contains("token_prefix") && body.at("token_prefix").is_string()) {
    st.token_prefix = body.at("token_prefix").get<std::string>();
  }
  if (body.contains("clock_offset_seconds") && body.at("clock_offset_seconds").is_number_integer()) {
    st.clock_offset = seconds(body.at("clock_offset_seconds").get<std::int64_t>());
  }
  if (body.contains("graph")) {
    apply_graph_settings(st, body.at("graph"), wall_now() + st.clock_offset);
  }
  if (body.contains("entra_audit")) {
    apply_audit_settings(st, body.at("entra_audit"));
  }
  if (body.contains("activity_log")) {
    apply_activity_settings(st, body.at("activity_log"));
  }
  if (body.contains("directory_objects")) {
    apply_directory_objects_settings(st, body.at("directory_objects"));
  }
  return json_response(200, state_json(st));
}

// The /_fake/ routes: the demo's (and curl's) way to the switches the C++ API has.
handled handle_control(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now) {
  const std::string path = to_lower(target.path);
  const auto& m = req.method;
  if (path == "/_fake/state" && m == "GET") {
    return {json_response(200, state_json(st)), "state", std::nullopt};
  }
  if (path == "/_fake/faults" && m == "POST") {
    return {post_faults(st, req), "faults armed", std::nullopt};
  }
  if (path == "/_fake/faults" && m == "DELETE") {
    st.faults.clear();
    return {json_response(200, json::array()), "faults cleared", std::nullopt};
  }
  if (path == "/_fake/settings" && m == "POST") {
    return {post_settings(st, req), "settings", std::nullopt};
  }
  if (path == "/_fake/tokens/expire" && m == "POST") {
    for (auto& [value, token] : st.tokens) {
      token.expires_at = now;
    }
    return {json_response(200, json::object()), "tokens expired", std::nullopt};
  }
  if (path == "/_fake/assignments" && m == "POST") {
    auto a = assignment_from_json(st, json::parse(req.body, nullptr, false));
    if (!a) {
      return {control_error(400, a.error().message), "bad assignment", std::nullopt};
    }
    const auto stored = store_assignment(st, std::move(*a), now);
    return {json_response(201, to_arm_json(stored)), "assignment added", std::nullopt};
  }
  if (path == "/_fake/directory_audits" && m == "POST") {
    return {post_directory_audits(st, req, now), "directory audits added", std::nullopt};
  }
  if (path.starts_with("/_fake/assignments/") && m == "DELETE") {
    const bool removed = erase_assignment(st, path.substr(std::string_view("/_fake/assignments/").size()));
    return {json_response(removed ? 200 : 404, json::object()), removed ? "assignment removed" : "no such assignment",
            std::nullopt};
  }
  return {control_error(404, "no such control route"), "unknown control route", std::nullopt};
}

}  // namespace

struct fake_azure::impl {
  mutable std::mutex mutex;
  azure_state state;
  std::function<void(const recorded_request&)> on_request;
  std::uint16_t port = 0;
  std::string identity_base;
  std::unique_ptr<server_thread> identity_server;
  std::unique_ptr<server_thread> server;  // last: it stops and joins before the state goes

  net::server_response handle(const net::server_request& req, bool identity_port);
};

net::server_response fake_azure::impl::handle(const net::server_request& req, bool identity_port) {
  const auto target = parse_target(req.target);
  const auto route = identity_port ? azure_route::identity : classify(target.path);
  handled h;
  recorded_request rec{req.method, req.target, req.headers, req.body, route, 0, std::nullopt, "", {}};
  {
    const std::lock_guard lock(mutex);
    const auto now = wall_now() + state.clock_offset;
    rec.received_at = now;
    if (route == azure_route::control) {
      h = handle_control(state, req, target, now);
    } else {
      ++state.counts[route];
      ++state.counts[azure_route::any];
      const auto normal = [&] {
        if (route == azure_route::resource_graph) {
          return handle_graph_query(state, req, target, now);
        }
        if (route == azure_route::identity) {
          return handle_identity(state, req, target, now);
        }
        if (route == azure_route::entra_audit) {
          return handle_directory_audits(state, req, target, now);
        }
        if (route == azure_route::activity_log) {
          return handle_activity_log(state, req, target, now);
        }
        if (route == azure_route::directory_objects) {
          return handle_directory_objects(state, req, target, now);
        }
        return route == azure_route::token ? handle_token(state, req, target, now)
                                           : handle_arm(state, route, req, target, now);
      };
      const auto page = route == azure_route::resource_graph ? requested_graph_page(state, req)
                        : route == azure_route::entra_audit  ? requested_audit_page(state, target)
                        : route == azure_route::activity_log ? requested_activity_page(state, target)
                                                             : requested_list_page(state, req.method, target);
      const auto f = take_fault(state, route, page);
      h = f ? apply_fault(state, *f, route, req, now, normal) : normal();
      if (route == azure_route::resource_graph) {
        add_graph_quota_headers(state, h.response, now);
      }
      // Azure's front doors date every answer; a client must not take its clock from them.
      h.response.headers.push_back({"Date", format_http_date(now)});
    }
    rec.status = h.response.status;
    rec.items = h.items;
    rec.note = h.note;
    if (route != azure_route::control) {
      state.requests.push_back(rec);
    }
  }
  if (on_request) {
    on_request(rec);
  }
  return std::move(h.response);
}

fake_azure::fake_azure(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

fake_azure::~fake_azure() {
  stop();
}

result<std::unique_ptr<fake_azure>> fake_azure::start(fake_azure_options options) {
  if (!is_guid(options.tenant_id)) {
    return make_error(error_kind::config, "fake Azure: tenant_id must be a GUID");
  }
  auto tls = net::server_tls::from_pem(options.certificate.cert_pem, options.certificate.key_pem);
  if (!tls) {
    return with_context(tls.error(), "fake Azure");
  }
  auto p = std::make_unique<impl>();
  p->state.tenant_id = normalize_guid(options.tenant_id);
  for (const auto& d : builtin_role_definitions()) {
    p->state.definitions.emplace(d.name, d);
  }
  p->on_request = std::move(options.on_request);
  net::server_options server;
  server.address = options.address;
  server.port = options.port;
  server.tls = *tls;
  auto* raw = p.get();
  auto started =
      server_thread::start(std::move(server), [raw](const net::server_request& r) { return raw->handle(r, false); });
  if (!started) {
    return with_context(started.error(), "fake Azure");
  }
  p->port = (*started)->port();
  {
    const std::lock_guard lock(p->mutex);
    p->state.base_url = fmt::format("https://{}:{}", options.address, p->port);
  }
  p->server = std::move(*started);
  return std::unique_ptr<fake_azure>(new fake_azure(std::move(p)));
}

std::string fake_azure::base_url() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state.base_url;
}

std::uint16_t fake_azure::port() const {
  return impl_->port;
}

std::string fake_azure::tenant_id() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state.tenant_id;
}

std::string fake_azure::token_url() const {
  return fmt::format("{}/{}/oauth2/v2.0/token", base_url(), tenant_id());
}

void fake_azure::add_app(app_registration app) {
  const std::lock_guard lock(impl_->mutex);
  app.object_id = normalize_guid(app.object_id);
  if (app.display_name.empty()) {
    app.display_name = app.client_id;
  }
  impl_->state.apps.insert_or_assign(to_lower(app.client_id), std::move(app));
}

void fake_azure::add_app(app_registration app, std::string certificate_pem) {
  const std::string client_id = to_lower(app.client_id);
  add_app(std::move(app));
  const std::lock_guard lock(impl_->mutex);
  impl_->state.certificates[client_id].push_back(std::move(certificate_pem));
}

void fake_azure::add_user(user_account user) {
  const std::lock_guard lock(impl_->mutex);
  user.object_id = normalize_guid(user.object_id);
  if (user.display_name.empty()) {
    user.display_name = user.upn;
  }
  impl_->state.users.insert_or_assign(to_lower(user.upn), std::move(user));
}

role_assignment fake_azure::add_assignment(role_assignment a) {
  const std::lock_guard lock(impl_->mutex);
  a.role_definition_id = normalize_guid(last_segment(a.role_definition_id));
  return store_assignment(impl_->state, std::move(a), wall_now());
}

bool fake_azure::remove_assignment(std::string_view name) {
  const std::lock_guard lock(impl_->mutex);
  return erase_assignment(impl_->state, name);
}

std::vector<role_assignment> fake_azure::assignments() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state.assignments;
}

void fake_azure::add_role_definition(role_definition d) {
  const std::lock_guard lock(impl_->mutex);
  d.name = normalize_guid(d.name);
  impl_->state.definitions.insert_or_assign(d.name, std::move(d));
}

result<void> fake_azure::load_seed(const json& seed) {
  const std::lock_guard lock(impl_->mutex);
  // Built on a copy and swapped in: a bad entry leaves the fake exactly as it was.
  azure_state scratch = impl_->state;
  if (auto r = apply_seed(scratch, seed, wall_now()); !r) {
    return with_context(r.error(), "seed");
  }
  impl_->state = std::move(scratch);
  return {};
}

void fake_azure::set_page_size(std::size_t n) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.page_size = std::max<std::size_t>(n, 1);
}

void fake_azure::set_token_lifetime(seconds lifetime) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.token_lifetime = lifetime;
}

void fake_azure::set_last_page_next_link(bool null_instead_of_absent) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.null_next_link = null_instead_of_absent;
}

void fake_azure::set_next_link_override(std::string url) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.next_link_override = std::move(url);
}

void fake_azure::set_clock_offset(seconds offset) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.clock_offset = offset;
}

void fake_azure::set_token_prefix(std::string prefix) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.token_prefix = std::move(prefix);
}

void fake_azure::set_graph_quota(int limit, seconds window) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.graph.quota_limit = std::max(limit, 0);
  impl_->state.graph.quota_window = window;
}

void fake_azure::exhaust_graph_quota(seconds resets_after) {
  const std::lock_guard lock(impl_->mutex);
  auto& g = impl_->state.graph;
  g.quota_used = g.quota_limit;
  g.window_end = wall_now() + impl_->state.clock_offset + resets_after;
}

void fake_azure::set_graph_skip_token_override(std::string token) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.graph.skip_token_override = std::move(token);
}

void fake_azure::set_graph_result_truncated(bool truncated) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.graph.result_truncated = truncated;
}

void fake_azure::set_graph_hidden(std::string_view name, bool hidden) {
  const std::lock_guard lock(impl_->mutex);
  auto& names = impl_->state.graph.hidden;
  if (hidden) {
    names.insert(to_lower(name));
  } else {
    names.erase(to_lower(name));
  }
}

role_assignment fake_azure::add_graph_only_assignment(role_assignment a) {
  const std::lock_guard lock(impl_->mutex);
  auto& st = impl_->state;
  a.role_definition_id = normalize_guid(last_segment(a.role_definition_id));
  a.name = a.name.empty() ? st.new_guid() : to_lower(a.name);
  if (!a.created_on) {
    a.created_on = wall_now();
  }
  if (!a.updated_on) {
    a.updated_on = a.created_on;
  }
  st.graph.only_rows.push_back(a);
  return a;
}

bool fake_azure::remove_graph_only_assignment(std::string_view name) {
  const std::lock_guard lock(impl_->mutex);
  return std::erase_if(impl_->state.graph.only_rows, [&](const role_assignment& a) { return iequals(a.name, name); }) >
         0;
}

void fake_azure::set_graph_max_rows_per_page(std::size_t n) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.graph.max_rows_per_page = n;
}

void fake_azure::set_graph_created_on_style(std::string style) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.graph.created_on_style = std::move(style);
}

directory_audit fake_azure::add_directory_audit(directory_audit a) {
  const std::lock_guard lock(impl_->mutex);
  return store_directory_audit(impl_->state, std::move(a), wall_now() + impl_->state.clock_offset);
}

void fake_azure::set_directory_audit_page_size(std::size_t n) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.audits.page_size = std::max<std::size_t>(n, 1);
}

void fake_azure::set_directory_audit_denied(bool denied) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.audits.denied = denied;
}

void fake_azure::set_directory_audit_next_link_override(std::string url) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.audits.next_link_override = std::move(url);
}

void fake_azure::set_directory_audit_delay(seconds delay) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.audits.delay = std::max(delay, seconds{0});
}

void fake_azure::set_directory_audit_record_calls(bool record) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.audits.record_calls = record;
}

void fake_azure::set_directory_objects_denied(bool denied) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.directory_objects_denied = denied;
}

activity_event fake_azure::add_activity_event(activity_event e) {
  const std::lock_guard lock(impl_->mutex);
  return store_activity_event(impl_->state, std::move(e), wall_now() + impl_->state.clock_offset);
}

void fake_azure::set_activity_log_page_size(std::size_t n) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.activity.page_size = std::max<std::size_t>(n, 1);
}

void fake_azure::set_activity_log_next_link_override(std::string url) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.activity.next_link_override = std::move(url);
}

void fake_azure::set_activity_log_empty_first_page(bool empty) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.activity.empty_first_page = empty;
}

void fake_azure::set_activity_log_delay(seconds delay) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.activity.delay = std::max(delay, seconds{0});
}

void fake_azure::set_activity_log_record_calls(bool record) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.activity.record_calls = record;
}

void fake_azure::expire_tokens() {
  const std::lock_guard lock(impl_->mutex);
  const auto now = wall_now() + impl_->state.clock_offset;
  for (auto& [value, token] : impl_->state.tokens) {
    token.expires_at = now;
  }
}

void fake_azure::inject_fault(fault f) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.faults.push_back(f);
}

void fake_azure::clear_faults() {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.faults.clear();
}

std::vector<fault> fake_azure::faults() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state.faults;
}

std::size_t fake_azure::request_count(azure_route r) const {
  const std::lock_guard lock(impl_->mutex);
  const auto it = impl_->state.counts.find(r);
  return it == impl_->state.counts.end() ? 0 : it->second;
}

std::optional<std::string> fake_azure::token_scope(std::string_view token) const {
  const std::lock_guard lock(impl_->mutex);
  const auto it = impl_->state.token_scopes.find(std::string(token));
  if (it == impl_->state.token_scopes.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<recorded_request> fake_azure::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state.requests;
}

void fake_azure::clear_requests() {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.requests.clear();
  impl_->state.counts.clear();
}

json fake_azure::state() const {
  const std::lock_guard lock(impl_->mutex);
  return state_json(impl_->state);
}

void fake_azure::add_managed_identity(managed_identity identity) {
  const std::lock_guard lock(impl_->mutex);
  identity.object_id = normalize_guid(identity.object_id);
  if (identity.display_name.empty()) {
    identity.display_name = identity.client_id;
  }
  impl_->state.identities.push_back(std::move(identity));
}

void fake_azure::add_federated_token(std::string client_id, std::string assertion) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.federated_tokens.insert_or_assign(std::move(assertion), to_lower(client_id));
}

void fake_azure::set_identity_header(std::string secret) {
  const std::lock_guard lock(impl_->mutex);
  impl_->state.identity_header = std::move(secret);
}

result<std::string> fake_azure::serve_identity_endpoint() {
  if (impl_->identity_server) {
    return impl_->identity_base;
  }
  // Plain HTTP, as IMDS and App Service serve it: no TLS on this port.
  net::server_options server;
  server.address = "127.0.0.1";
  auto* raw = impl_.get();
  auto started =
      server_thread::start(std::move(server), [raw](const net::server_request& r) { return raw->handle(r, true); });
  if (!started) {
    return with_context(started.error(), "fake identity endpoint");
  }
  impl_->identity_base = fmt::format("http://127.0.0.1:{}", (*started)->port());
  impl_->identity_server = std::move(*started);
  return impl_->identity_base;
}

void fake_azure::stop() {
  if (impl_->identity_server) {
    impl_->identity_server->stop();
  }
  if (impl_->server) {
    impl_->server->stop();
  }
}

}  // namespace rootwatch::fake
