// The SRTP protection profiles we negotiate in DTLS-SRTP (RFC 5764, RFC 7714)
// and what each needs from the exported keying material. DTLS and SRTP meet
// here without seeing each other's library.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace plenum::transport {

enum class SrtpProfile { kAes128CmSha1_80, kAeadAes128Gcm };

// The name OpenSSL's use_srtp extension knows the profile by.
constexpr std::string_view SrtpProfileName(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAes128CmSha1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case SrtpProfile::kAeadAes128Gcm:
      return "SRTP_AEAD_AES_128_GCM";
  }
  return {};
}

constexpr std::optional<SrtpProfile> SrtpProfileFromName(std::string_view name) {
  for (SrtpProfile profile : {SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAeadAes128Gcm}) {
    if (SrtpProfileName(profile) == name) return profile;
  }
  return std::nullopt;
}

constexpr std::size_t SrtpMasterKeyLength(SrtpProfile) { return 16; }

// RFC 3711 salts are 112 bits; the AEAD profiles of RFC 7714 use 96.
constexpr std::size_t SrtpMasterSaltLength(SrtpProfile profile) {
  return profile == SrtpProfile::kAeadAes128Gcm ? 12 : 14;
}

constexpr std::size_t SrtpMasterKeyAndSaltLength(SrtpProfile profile) {
  return SrtpMasterKeyLength(profile) + SrtpMasterSaltLength(profile);
}

// What we offer as a DTLS client and accept as a server, most preferred
// first: GCM authenticates with the cipher, so it costs less per packet and
// its tag is the stronger one.
inline const std::vector<SrtpProfile>& PreferredSrtpProfiles() {
  static const std::vector<SrtpProfile> profiles{SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAes128CmSha1_80};
  return profiles;
}

}  // namespace plenum::transport
