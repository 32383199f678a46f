#include "azure/answer_tag.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>

namespace rootwatch::azure {
namespace {

// The process's key and IV, drawn once. A failure leaves `ok` false and every tag_of answers
// nullopt: reading in full is always right, only slower.
struct tag_key {
  unsigned char key[16]{};
  unsigned char iv[12]{};
  bool ok = false;

  tag_key() { ok = RAND_bytes(key, sizeof key) == 1 && RAND_bytes(iv, sizeof iv) == 1; }
};

const tag_key& process_key() {
  static const tag_key k;
  return k;
}

struct cipher_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// The key schedule is made once per thread; each tag only sets the IV again (the key stays).
struct tag_context {
  std::unique_ptr<EVP_CIPHER_CTX, cipher_free> ctx{EVP_CIPHER_CTX_new()};
  bool ok = false;

  tag_context() {
    const tag_key& k = process_key();
    ok = k.ok && ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, k.key, k.iv) == 1;
  }
};

// GCM takes associated data in pieces of at most INT_MAX bytes each.
bool add(EVP_CIPHER_CTX* ctx, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const std::size_t piece = std::min<std::size_t>(size, std::numeric_limits<int>::max());
    int written = 0;
    if (EVP_EncryptUpdate(ctx, nullptr, &written, data, static_cast<int>(piece)) != 1) {
      return false;
    }
    data += piece;
    size -= piece;
  }
  return true;
}

}  // namespace

std::optional<answer_tag> tag_of(std::string_view bytes) {
  return tag_of({bytes});
}

std::optional<answer_tag> tag_of(std::initializer_list<std::string_view> parts) {
  thread_local tag_context t;
  if (!t.ok) {
    return std::nullopt;
  }
  EVP_CIPHER_CTX* ctx = t.ctx.get();
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, process_key().iv) != 1) {
    return std::nullopt;
  }
  for (const std::string_view part : parts) {
    unsigned char length[8];
    std::uint64_t n = part.size();
    for (auto& byte : length) {
      byte = static_cast<unsigned char>(n & 0xffU);
      n >>= 8U;
    }
    if (!add(ctx, length, sizeof length) ||
        !add(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size())) {
      return std::nullopt;
    }
  }
  unsigned char none[16];
  int written = 0;
  answer_tag tag{};
  if (EVP_EncryptFinal_ex(ctx, none, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()), tag.data()) != 1) {
    return std::nullopt;
  }
  return tag;
}

}  // namespace rootwatch::azure
