#include "net/beast.hpp"
#include "net/tls.hpp"

#include <filesystem>

#include <fmt/format.h>

namespace rootwatch::net {

client_tls::client_tls() = default;
client_tls::~client_tls() = default;

ssl::context& client_tls::native() {
  return *ctx_;
}

result<std::shared_ptr<client_tls>> client_tls::make(const std::string& extra_ca_file) {
  std::shared_ptr<client_tls> out(new client_tls());
  out->ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  auto& ctx = *out->ctx_;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) {
    return make_error(error_kind::config, fmt::format("cannot load the system trust store: {}", ec.message()));
  }
  if (!extra_ca_file.empty()) {
    std::error_code fs_error;
    if (!std::filesystem::is_regular_file(extra_ca_file, fs_error)) {
      return make_error(error_kind::config, fmt::format("tls.ca_file '{}' is not a readable file{}", extra_ca_file,
                                                        fs_error ? ": " + fs_error.message() : std::string{}));
    }
    ctx.load_verify_file(extra_ca_file, ec);
    if (ec) {
      return make_error(error_kind::config, fmt::format("tls.ca_file '{}' holds no usable PEM certificate: {}",
                                                        extra_ca_file, ec.message()));
    }
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return out;
}

}  // namespace rootwatch::net
