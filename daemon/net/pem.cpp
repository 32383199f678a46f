#include "net/pem.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>
#include <optional>

namespace rootwatch::net::pem {

bio_ptr memory_bio(const std::string& text) {
  return bio_ptr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

int give_password(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const std::optional<std::string>*>(user);
  if (password == nullptr || !*password || (*password)->size() > static_cast<std::size_t>(size)) {
    return -1;
  }
  std::memcpy(buf, (*password)->data(), (*password)->size());
  return static_cast<int>((*password)->size());
}

std::vector<x509_ptr> read_certificates(const std::string& pem) {
  std::vector<x509_ptr> out;
  auto bio = memory_bio(pem);
  while (bio) {
    x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, give_password, nullptr));
    if (!cert) {
      break;
    }
    out.push_back(std::move(cert));
  }
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

bool is_encrypted(const std::string& pem) {
  return pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
}

bool has_private_key(const std::string& pem) {
  return pem.find("PRIVATE KEY-----") != std::string::npos;
}

}  // namespace rootwatch::net::pem
