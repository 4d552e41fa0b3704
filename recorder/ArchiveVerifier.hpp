// `plenum verify`: checks an archive directory (PROTOCOL.md section 5):
// the journal's chain, that it is sealed, that its files are exactly the
// sealed ones with their sizes and hashes, that manifest.json is what the
// journal says, and the signature of the chain's head; with a pinned
// public key, that this key signed.
#pragma once

#include <optional>
#include <string>

namespace plenum::recorder {

struct ArchiveVerification {
  enum class Outcome { Intact, Unsealed, Tampered };
  Outcome outcome = Outcome::Tampered;
  std::string state;    // the sealed state: finished, interrupted, failed
  int entries = 0;      // journal entries that chain
  std::string signer;   // fingerprint of the key that signed
  std::string problem;  // the first problem found, if any
};

ArchiveVerification VerifyArchive(const std::string& directory, const std::optional<std::string>& pinnedPublicKeyPem);

}  // namespace plenum::recorder
