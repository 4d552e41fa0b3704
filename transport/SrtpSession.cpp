#include "transport/SrtpSession.hpp"

#include <bit>
#include <climits>
#include <mutex>
#include <stdexcept>
#include <string>

#include "transport/Log.hpp"

namespace plenum::transport {
namespace {

// libsrtp's crypto kernel is process-wide and shared with GStreamer's
// srtpenc/srtpdec, which init it too and never shut it down; neither do we.
// No event handler either: there is one per process and GStreamer's
// plugin installs its own.
void InitLibSrtp() {
  // A second srtp_init in one process fails (libsrtp 2.5 returns
  // bad_param when its crypto kernel is already up), and GStreamer's srtp
  // plugin may have run the first one, so a failure here is only logged:
  // srtp_create, which needs a working kernel, is the real check.
  static std::once_flag once;
  std::call_once(once, [] {
    const srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok)
      GST_INFO("skip srtp_init [status:%d] (the crypto kernel was initialised already)", int(status));
  });
}

const char* DirectionName(SrtpSession::Direction direction) {
  return direction == SrtpSession::Direction::kInbound ? "inbound" : "outbound";
}

}  // namespace

SrtpSession::SrtpSession(Direction direction, SrtpProfile profile, const std::vector<uint8_t>& masterKeyAndSalt)
    : direction_(direction), profile_(profile) {
  InitTransportLog();
  InitLibSrtp();
  if (masterKeyAndSalt.size() != SrtpMasterKeyAndSaltLength(profile)) {
    throw std::runtime_error("SRTP master key and salt of " + std::to_string(masterKeyAndSalt.size()) +
                             " bytes for " + std::string(SrtpProfileName(profile)) + ", which needs " +
                             std::to_string(SrtpMasterKeyAndSaltLength(profile)));
  }
  srtp_policy_t policy{};
  switch (profile) {
    case SrtpProfile::kAes128CmSha1_80:
      srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtp_default(&policy.rtcp);
      break;
    case SrtpProfile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
  }
  policy.ssrc.type = direction == Direction::kInbound ? ssrc_any_inbound : ssrc_any_outbound;
  // libsrtp copies the key into the session.
  policy.key = const_cast<unsigned char*>(masterKeyAndSalt.data());
  // Video at a few hundred packets a second reorders by more than the
  // default 128 on a bad path.
  policy.window_size = 1024;
  // A NACK is answered with the packet as first sent (no RTX), which
  // libsrtp would otherwise refuse as a replay of our own.
  policy.allow_repeat_tx = 1;
  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  session_.reset(session);
  if (status != srtp_err_status_ok) {
    throw std::runtime_error("srtp_create failed [status:" + std::to_string(status) + "]");
  }
  GST_DEBUG("create srtp session [direction:%s, profile:%s]", DirectionName(direction),
            std::string(SrtpProfileName(profile)).c_str());
}

SrtpSession::~SrtpSession() = default;

bool SrtpSession::ProtectRtp(uint8_t* packet, size_t& length, size_t capacity) {
  if (length > INT_MAX - kMaxTrailer || capacity < length + kMaxTrailer) {
    LogDrop("protect rtp", srtp_err_status_bad_param, length);
    return false;
  }
  int size = static_cast<int>(length);
  const srtp_err_status_t status = srtp_protect(session_.get(), packet, &size);
  if (status != srtp_err_status_ok) {
    LogDrop("protect rtp", status, length);
    return false;
  }
  length = static_cast<size_t>(size);
  return true;
}

bool SrtpSession::ProtectRtcp(uint8_t* packet, size_t& length, size_t capacity) {
  if (length > INT_MAX - kMaxTrailer || capacity < length + kMaxTrailer) {
    LogDrop("protect rtcp", srtp_err_status_bad_param, length);
    return false;
  }
  int size = static_cast<int>(length);
  const srtp_err_status_t status = srtp_protect_rtcp(session_.get(), packet, &size);
  if (status != srtp_err_status_ok) {
    LogDrop("protect rtcp", status, length);
    return false;
  }
  length = static_cast<size_t>(size);
  return true;
}

bool SrtpSession::UnprotectRtp(uint8_t* packet, size_t& length) {
  if (length > INT_MAX) return false;
  int size = static_cast<int>(length);
  const srtp_err_status_t status = srtp_unprotect(session_.get(), packet, &size);
  if (status != srtp_err_status_ok) {
    LogDrop("unprotect rtp", status, length);
    return false;
  }
  length = static_cast<size_t>(size);
  return true;
}

bool SrtpSession::UnprotectRtcp(uint8_t* packet, size_t& length) {
  if (length > INT_MAX) return false;
  int size = static_cast<int>(length);
  const srtp_err_status_t status = srtp_unprotect_rtcp(session_.get(), packet, &size);
  if (status != srtp_err_status_ok) {
    LogDrop("unprotect rtcp", status, length);
    return false;
  }
  length = static_cast<size_t>(size);
  return true;
}

void SrtpSession::LogDrop(const char* operation, srtp_err_status_t status, size_t length) {
  // The 1st, 2nd, 4th, 8th... failure: a flood costs a few dozen lines.
  ++failures_;
  if (!std::has_single_bit(failures_)) return;
  GST_DEBUG("drop srtp packet [operation:%s, direction:%s, status:%d, length:%zu, failures:%" G_GUINT64_FORMAT "]",
            operation, DirectionName(direction_), static_cast<int>(status), length,
            static_cast<guint64>(failures_));
}

}  // namespace plenum::transport
