// The server's archive key: an Ed25519 pair made at first start in the data
// directory (private half mode 0600), with which every finished recording's
// manifest is signed. Auditors pin the public half by its fingerprint, the
// SHA-256 of its DER SubjectPublicKeyInfo in hex.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/OpenSslOwners.hpp"

namespace plenum::recorder {

using EvpPkeyOwner = common::EvpPkeyPtr;

class ArchiveKey {
 public:
  // Loads `dataDir`/archive/ed25519.pem, or makes it (and the directory,
  // 0700) when absent; `created` tells which. Throws std::runtime_error
  // naming the file when it cannot be read, written or parsed.
  static ArchiveKey LoadOrCreate(const std::string& dataDir, bool* created = nullptr);

  // Base64 of the Ed25519 signature of `message`.
  std::string Sign(std::string_view message) const;

  const std::string& publicKeyPem() const { return publicPem_; }
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& path() const { return path_; }

 private:
  ArchiveKey(EvpPkeyOwner key, std::string path);

  EvpPkeyOwner key_;
  std::string path_;
  std::string publicPem_;
  std::string fingerprint_;
};

// A public key from its PEM text (a file an auditor pinned, or a
// manifest's copy); null if it is not an Ed25519 public key.
EvpPkeyOwner ParsePublicKey(const std::string& pem);
// The fingerprint of a public key, as ArchiveKey::fingerprint.
std::string PublicKeyFingerprint(EVP_PKEY* key);
// Whether `signatureBase64` is `key`'s Ed25519 signature of `message`.
bool VerifySignature(EVP_PKEY* key, std::string_view message, const std::string& signatureBase64);

}  // namespace plenum::recorder
