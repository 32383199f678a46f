#include "config/load.hpp"

#include "config/checks.hpp"
#include "config/limits.hpp"
#include "config/sections.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace rootwatch::config {
namespace detail {

daemon_settings read_daemon(table_reader& top) {
  daemon_settings d;
  auto r = top.child("daemon", "[daemon]");
  if (!r) {
    return d;
  }
  d.state_dir = r->non_empty_string("state_dir").value_or(d.state_dir);
  if (const auto listen = r->string("listen")) {
    if (const auto problem = listen_problem(*listen)) {
      r->fail("listen", *problem);
    } else {
      d.listen = *listen;
    }
  }
  d.log_level = r->one_of("log_level", log_level_names).value_or(d.log_level);
  d.format = r->choice("log_format", log_format_names);
  d.shutdown_grace = r->duration("shutdown_grace", milliseconds{0}, milliseconds{600'000}).value_or(d.shutdown_grace);
  d.outbox_limit = r->integer("outbox_limit", 10, 10'000'000).value_or(d.outbox_limit);
  d.outbox_retention = r->duration("outbox_retention", milliseconds{3'600'000}).value_or(d.outbox_retention);
  r->reject_unknown_keys();
  return d;
}

tls_settings read_tls(table_reader& top) {
  tls_settings t;
  auto r = top.child("tls", "[tls]");
  if (!r) {
    return t;
  }
  t.ca_file = r->string("ca_file").value_or("");
  r->reject_unknown_keys();
  return t;
}

}  // namespace detail

namespace {

// A configuration file is a few kilobytes; the cap keeps a mistaken path (/dev/zero, a
// database) from eating memory before the TOML parser gets to complain.
constexpr std::size_t max_file_size = 4 * 1024 * 1024;

struct file_text {
  std::string text;
  std::string error;  // empty when `text` is the whole file
};

std::string os_reason(int error_number) {
  return std::generic_category().message(error_number);
}

file_text read_whole_file(const std::string& path) {
  const std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return {.text = {}, .error = "cannot open the configuration file: " + os_reason(errno)};
  }
  file_text out;
  char buffer[16 * 1024];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    out.text.append(buffer, n);
    if (out.text.size() > max_file_size) {
      out.error = "the configuration file is larger than 4 MiB; is this the right file?";
      return out;
    }
    if (n < sizeof buffer) {
      break;
    }
  }
  if (std::ferror(file.get()) != 0) {
    out.error = "cannot read the configuration file: " + os_reason(errno);
  }
  return out;
}

settings read_settings(const toml::table& root, const std::string& path, detail::diagnostics& diags) {
  detail::table_reader top(root, "", "", diags);
  settings s;
  s.path = path;
  s.daemon = detail::read_daemon(top);
  s.tls = detail::read_tls(top);
  s.tenants = detail::read_tenants(top);
  s.rules = detail::read_rules(top);
  s.sinks = detail::read_sinks(top, s.tenants);
  detail::check_sink_tenants(top, s);
  top.reject_unknown_keys();
  return s;
}

}  // namespace

load_result load_string(std::string_view toml_text, const std::string& path_for_messages) {
  detail::diagnostics diags(path_for_messages);
  if (!detail::check_text_shape(toml_text, diags)) {
    return {.value = std::nullopt, .problems = diags.sorted()};
  }
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view{path_for_messages});
  } catch (const toml::parse_error& e) {
    // The parser's description can quote a whole key; diagnostics caps it.
    diags.add(e.source(), "", std::string(e.description()));
    return {.value = std::nullopt, .problems = diags.sorted()};
  }
  // A file past these bounds is not read further: its values would only be echoed, and its
  // depth costs every reader below.
  if (!detail::check_tree_shape(root, diags)) {
    return {.value = std::nullopt, .problems = diags.sorted()};
  }
  settings s = read_settings(root, path_for_messages, diags);
  if (!diags.empty()) {
    return {.value = std::nullopt, .problems = diags.sorted()};
  }
  return {.value = std::move(s), .problems = {}};
}

load_result load_file(const std::string& path) {
  const file_text file = read_whole_file(path);
  if (!file.error.empty()) {
    return {.value = std::nullopt,
            .problems = {problem{.file = path, .line = 0, .column = 0, .key = "", .message = file.error}}};
  }
  return load_string(file.text, path);
}

}  // namespace rootwatch::config
