#include "support/RoomTokens.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <stdexcept>

namespace plenum::test {

std::string Base64Url(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned value = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[value >> 18 & 63];
    out += kAlphabet[value >> 12 & 63];
    out += kAlphabet[value >> 6 & 63];
    out += kAlphabet[value & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned value = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[value >> 18 & 63];
    out += kAlphabet[value >> 12 & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned value = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[value >> 18 & 63];
    out += kAlphabet[value >> 12 & 63];
    out += kAlphabet[value >> 6 & 63];
  }
  return out;
}

std::string SignedJwt(const std::string& headerJson, const std::string& payloadJson, const std::string& secret,
                      Hmac hmac) {
  const std::string signingInput = Base64Url(headerJson) + "." + Base64Url(payloadJson);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(hmac == Hmac::kSha256 ? EVP_sha256() : EVP_sha512(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac, &length)) {
    throw std::runtime_error("HMAC failed");
  }
  return signingInput + "." + Base64Url(std::string(reinterpret_cast<const char*>(mac), length));
}

std::string SignatureOf(const std::string& jwt) { return jwt.substr(jwt.rfind('.') + 1); }

std::string Hs256Header() { return R"({"alg":"HS256","typ":"JWT"})"; }

long long EpochSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace plenum::test
