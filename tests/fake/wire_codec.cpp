#include "fake/wire_codec.hpp"

#include <openssl/evp.h>

#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace rootwatch::fake {
namespace {

namespace urls = boost::urls;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Form bodies and ARM queries both write a space as '+': decode it so.
urls::encoding_opts form_rules() {
  urls::encoding_opts opt;
  opt.space_as_plus = true;
  return opt;
}

}  // namespace

std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string to_base64url(std::string_view bytes) {
  std::string out = to_base64(bytes);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (auto& c : out) {
    c = c == '+' ? '-' : (c == '/' ? '_' : c);
  }
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.empty()) {
    return std::string();
  }
  // EVP_DecodeBlock wants whole quanta: put back the padding a sender left off.
  std::string padded(text);
  if (padded.size() % 4 == 1) {
    return std::nullopt;
  }
  while (padded.size() % 4 != 0) {
    padded += '=';
  }
  // '=' only as the last one or two characters; EVP_DecodeBlock would take it elsewhere too.
  const auto first_pad = padded.find('=');
  if (first_pad != std::string::npos &&
      (first_pad + 2 < padded.size() || padded.find_first_not_of('=', first_pad) != std::string::npos)) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  for (auto it = padded.rbegin(); it != padded.rend() && *it == '=' && padding < 2; ++it) {
    ++padding;
  }
  std::string out(padded.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(padded), static_cast<int>(padded.size()));
  // EVP_DecodeBlock skips surrounding blanks, which no HTTP header value keeps: refuse them.
  if (n < 0 || static_cast<std::size_t>(n) != out.size() || padded.find_first_of(" \t\r\n") != std::string::npos) {
    return std::nullopt;
  }
  // It counts the padding as zero bytes of output.
  out.resize(out.size() - padding);
  return out;
}

std::vector<wire_param> split_params(std::string_view query) {
  std::vector<wire_param> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const std::string_view piece = query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) {
      continue;
    }
    const auto eq = piece.find('=');
    wire_param p;
    p.key = std::string(piece.substr(0, eq));
    p.raw_value = eq == std::string_view::npos ? std::string() : std::string(piece.substr(eq + 1));
    // One piece at a time, so that a broken escape spoils only its own parameter.
    const auto parsed = urls::parse_query(piece);
    if (parsed && parsed->size() == 1) {
      const auto param = *parsed->begin();
      p.key = param.key.decode(form_rules());
      p.value = param.has_value ? param.value.decode(form_rules()) : std::string();
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string decode_path(std::string_view path) {
  const auto pct = urls::make_pct_string_view(path);
  if (!pct) {
    return std::string(path);
  }
  return pct->decode();
}

std::string form_encode_value(std::string_view value) {
  return urls::encode(value, urls::unreserved_chars, form_rules());
}

}  // namespace rootwatch::fake
