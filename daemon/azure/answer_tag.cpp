#include "azure/answer_tag.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>

namespace rootwatch::azure {
namespace {

struct mac_deleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// The process's key and IV, and the algorithm, made once. A failure leaves `ok` false and every
// tag_of answers nullopt: reading in full is always right, only slower.
struct tag_keys {
  std::unique_ptr<EVP_MAC, mac_deleter> mac{EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_GMAC, nullptr)};
  unsigned char key[16]{};
  unsigned char iv[12]{};
  bool ok = false;

  tag_keys() { ok = mac && RAND_bytes(key, sizeof key) == 1 && RAND_bytes(iv, sizeof iv) == 1; }
};

const tag_keys& keys() {
  static const tag_keys k;
  return k;
}

}  // namespace

std::optional<answer_tag> tag_of(std::string_view bytes) {
  return tag_of({bytes});
}

std::optional<answer_tag> tag_of(std::initializer_list<std::string_view> parts) {
  const tag_keys& k = keys();
  if (!k.ok) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_MAC_CTX, mac_deleter> ctx(EVP_MAC_CTX_new(k.mac.get()));
  if (!ctx) {
    return std::nullopt;
  }
  char cipher[] = "AES-128-GCM";
  unsigned char iv[sizeof k.iv];
  std::copy(std::begin(k.iv), std::end(k.iv), iv);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                               OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_IV, iv, sizeof iv),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), k.key, sizeof k.key, params) != 1) {
    return std::nullopt;
  }
  for (const std::string_view part : parts) {
    unsigned char length[8];
    std::uint64_t n = part.size();
    for (auto& byte : length) {
      byte = static_cast<unsigned char>(n & 0xffU);
      n >>= 8U;
    }
    if (EVP_MAC_update(ctx.get(), length, sizeof length) != 1 ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) != 1) {
      return std::nullopt;
    }
  }
  answer_tag tag{};
  std::size_t written = 0;
  if (EVP_MAC_final(ctx.get(), tag.data(), &written, tag.size()) != 1 || written != tag.size()) {
    return std::nullopt;
  }
  return tag;
}

}  // namespace rootwatch::azure
