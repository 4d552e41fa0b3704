// One direction of SRTP and SRTCP with libsrtp2: an outbound session
// protects everything we send on a transport, an inbound one unprotects
// everything we receive, whatever the SSRC.
#pragma once

#include <srtp2/srtp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "transport/SrtpProfile.hpp"

namespace plenum::transport {

class SrtpSession {
 public:
  enum class Direction { kInbound, kOutbound };

  // Bytes protect may add. Without an MKI, SRTCP adds at most its 4-byte
  // index and a 16-byte tag, well inside this.
  static constexpr size_t kMaxTrailer = SRTP_MAX_TRAILER_LEN;

  // `masterKeyAndSalt` as DtlsTransport's SrtpKeys hold it. Throws
  // std::runtime_error if libsrtp refuses the key or the profile.
  SrtpSession(Direction direction, SrtpProfile profile, const std::vector<uint8_t>& masterKeyAndSalt);
  ~SrtpSession();

  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place; `length` in and out. Protect needs `capacity` >= `length` +
  // kMaxTrailer. False on any libsrtp error (a forged, replayed or damaged
  // packet on the way in), logged at DEBUG and thinned out, since an attacker
  // chooses how often.
  bool ProtectRtp(uint8_t* packet, size_t& length, size_t capacity);
  bool ProtectRtcp(uint8_t* packet, size_t& length, size_t capacity);
  bool UnprotectRtp(uint8_t* packet, size_t& length);
  bool UnprotectRtcp(uint8_t* packet, size_t& length);

  Direction GetDirection() const { return direction_; }
  SrtpProfile GetProfile() const { return profile_; }

 private:
  struct SrtpDealloc {
    void operator()(srtp_t session) const { srtp_dealloc(session); }
  };
  using SrtpPtr = std::unique_ptr<std::remove_pointer_t<srtp_t>, SrtpDealloc>;

  void LogDrop(const char* operation, srtp_err_status_t status, size_t length);

  // Owned.
  SrtpPtr session_;

  // Others.
  Direction direction_;
  SrtpProfile profile_;
  uint64_t failures_ = 0;
};

}  // namespace plenum::transport
