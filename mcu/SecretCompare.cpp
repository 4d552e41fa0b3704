#include "mcu/SecretCompare.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

namespace plenum::mcu {

namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest Sha256(std::string_view text) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

}  // namespace

bool SecretsEqual(std::string_view presented, std::string_view expected) {
  // Hashing first makes both sides the same length, so CRYPTO_memcmp's
  // constant time covers secrets of any length, and what is compared is
  // not the secret itself.
  const Digest a = Sha256(presented);
  const Digest b = Sha256(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace plenum::mcu
