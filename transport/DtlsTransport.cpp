#include "transport/DtlsTransport.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <stdexcept>

#include "transport/DtlsDatagrams.hpp"
#include "transport/Log.hpp"

namespace plenum::transport {
namespace {

using common::BioPtr;

// RFC 5764 section 4.2.
constexpr char kKeyingLabel[] = "EXTRACTOR-dtls_srtp";

const char* RoleName(DtlsRole role) { return role == DtlsRole::kClient ? "client" : "server"; }

// The first error of the queue, which is the cause (later ones are the
// layers it went up through), and an empty queue for the next SSL call.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  if (const char* reason = ERR_reason_error_string(code)) return reason;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string Normalized(const std::string& fingerprint) {
  std::string upper;
  for (unsigned char c : fingerprint) {
    if (!std::isspace(c)) upper += static_cast<char>(std::toupper(c));
  }
  return upper;
}

std::string JoinedNames(const std::vector<SrtpProfile>& profiles) {
  std::string list;
  for (SrtpProfile profile : profiles) {
    if (!list.empty()) list += ':';
    list += SrtpProfileName(profile);
  }
  return list;
}

}  // namespace

DtlsTransport::DtlsTransport(Listener& listener, std::shared_ptr<const DtlsCertificate> certificate,
                             GMainContext* context, const std::vector<SrtpProfile>& srtpProfiles)
    : listener_(listener), certificate_(std::move(certificate)), timer_(*this, context) {
  InitTransportLog();
  if (!certificate_) throw std::invalid_argument("DtlsTransport needs a certificate");
  ssl_.reset(SSL_new(certificate_->Context()));
  BioPtr fromNetwork(BIO_new(BIO_s_mem()));
  BioPtr toNetwork(BIO_new(BIO_s_mem()));
  if (!ssl_ || !fromNetwork || !toNetwork) throw std::runtime_error("cannot create a DTLS session: " + TakeOpenSslError());
  // An empty read BIO means "no datagram yet", not end of stream.
  BIO_set_mem_eof_return(fromNetwork.get(), -1);
  fromNetwork_ = fromNetwork.get();
  toNetwork_ = toNetwork.get();
  SSL_set_bio(ssl_.get(), fromNetwork.release(), toNetwork.release());

  SSL_set_app_data(ssl_.get(), this);
  SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &DtlsTransport::VerifyPeer);
  SSL_set_mtu(ssl_.get(), kMtu);
  DTLS_set_link_mtu(ssl_.get(), kMtu);
  DTLS_set_timer_cb(ssl_.get(), &DtlsTransport::NextRetransmission);
  // Returns 0 on success.
  if (!srtpProfiles.empty() && SSL_set_tlsext_use_srtp(ssl_.get(), JoinedNames(srtpProfiles).c_str()) != 0) {
    throw std::runtime_error("cannot set the SRTP profiles: " + TakeOpenSslError());
  }
}

DtlsTransport::~DtlsTransport() = default;

void DtlsTransport::Start(DtlsRole role, const std::string& algorithm, const std::string& remoteFingerprint) {
  if (state_ != State::kNew) {
    GST_WARNING("ignore dtls start [state:%d]", static_cast<int>(state_));
    return;
  }
  role_ = role;
  fingerprintAlgorithm_ = algorithm;
  remoteFingerprint_ = Normalized(remoteFingerprint);
  state_ = State::kConnecting;
  GST_INFO("start dtls handshake [role:%s, algorithm:%s]", RoleName(role), algorithm.c_str());
  if (!DtlsCertificate::IsFingerprintAlgorithm(algorithm)) {
    Fail("unsupported a=fingerprint algorithm " + algorithm);
  } else if (remoteFingerprint_.empty()) {
    Fail("no remote a=fingerprint");
  } else {
    if (role == DtlsRole::kClient) {
      SSL_set_connect_state(ssl_.get());
      ContinueHandshake();  // the ClientHello
    } else {
      SSL_set_accept_state(ssl_.get());
    }
    std::deque<std::vector<uint8_t>> early = std::move(pending_);
    pending_.clear();
    for (const std::vector<uint8_t>& packet : early) {
      if (state_ != State::kConnecting) break;
      Feed(packet.data(), packet.size());
    }
  }
  Notify();
}

void DtlsTransport::ReceivePacket(const uint8_t* data, size_t length) {
  if (!data || length == 0 || length > INT_MAX) return;
  switch (state_) {
    case State::kNew:
      if (pending_.size() < kMaxPendingPackets) {
        pending_.emplace_back(data, data + length);
      } else {
        GST_DEBUG("drop early dtls packet [length:%zu, pending:%zu]", length, pending_.size());
      }
      return;
    case State::kConnecting:
    case State::kConnected:
      Feed(data, length);
      Notify();
      return;
    case State::kFailed:
    case State::kClosed:
      return;
  }
}

void DtlsTransport::Close() {
  if (state_ == State::kClosed || state_ == State::kFailed) return;
  if (state_ == State::kConnected) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    Flush();
  }
  GST_INFO("close dtls [by:us, role:%s]", RoleName(role_));
  state_ = State::kClosed;
  timer_.Disarm();
  pending_.clear();
}

void DtlsTransport::OnDtlsTimerExpired() {
  if (state_ != State::kConnecting && state_ != State::kConnected) return;
  ERR_clear_error();
  const int result = DTLSv1_handle_timeout(ssl_.get());
  const int error = result < 0 ? SSL_get_error(ssl_.get(), result) : SSL_ERROR_NONE;
  Flush();
  if (result < 0 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
    // After 12 silent retransmissions OpenSSL reports "read timeout expired".
    Fail("DTLS handshake: " + TakeOpenSslError());
  } else {
    if (result > 0) GST_DEBUG("retransmit dtls flight [role:%s]", RoleName(role_));
    UpdateTimer();
  }
  Notify();
}

int DtlsTransport::VerifyPeer(int, X509_STORE_CTX* store) {
  // Called for every certificate of the peer's chain; the leaf, pinned by
  // the SDP's fingerprint, is the only one that matters. Returning 1 also
  // overrides the self-signed and unknown-issuer errors, which are the norm
  // in WebRTC.
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<DtlsTransport*>(SSL_get_app_data(ssl)) : nullptr;
  if (!self) return 0;
  if (self->PeerMatchesFingerprint(X509_STORE_CTX_get0_cert(store))) return 1;
  self->fingerprintMismatch_ = true;
  // The peer hears bad_certificate, which names the cause in its logs.
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

unsigned int DtlsTransport::NextRetransmission(SSL*, unsigned int previousMicroseconds) {
  // OpenSSL's own 1 s start is slow for a call set-up; on a loss in the
  // first flight the call waits for it.
  constexpr auto kInitial = static_cast<unsigned int>(std::chrono::microseconds(kInitialRetransmission).count());
  constexpr auto kMax = static_cast<unsigned int>(std::chrono::microseconds(kMaxRetransmission).count());
  if (previousMicroseconds == 0) return kInitial;
  return std::min(previousMicroseconds * 2, kMax);
}

void DtlsTransport::Feed(const uint8_t* data, size_t length) {
  if (const char* defect = DtlsDatagramDefect({data, length})) {
    GST_DEBUG("drop dtls datagram [reason:%s, length:%zu]", defect, length);
    return;
  }
  // One datagram at a time, each read before the next is written: OpenSSL
  // takes whatever the BIO holds for one datagram, and a broken one would
  // take the good ones behind it down.
  if (BIO_write(fromNetwork_, data, static_cast<int>(length)) != static_cast<int>(length)) {
    Fail("cannot buffer a DTLS datagram: " + TakeOpenSslError());
    return;
  }
  if (state_ == State::kConnecting) {
    ContinueHandshake();
  } else {
    ReadRecords();
  }
  // What OpenSSL left unread (the records after the handshake's last) is
  // read with the next datagram.
}

void DtlsTransport::ContinueHandshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_.get());
  const int error = SSL_get_error(ssl_.get(), result);
  Flush();
  if (result == 1) {
    FinishHandshake();
  } else if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    UpdateTimer();
  } else if (fingerprintMismatch_) {
    ERR_clear_error();
    Fail("the peer's certificate does not match its a=fingerprint (" + fingerprintAlgorithm_ + " " +
         remoteFingerprint_ + ")");
  } else if (error == SSL_ERROR_ZERO_RETURN) {
    Fail("the peer closed DTLS during the handshake");
  } else {
    Fail("DTLS handshake: " + TakeOpenSslError());
  }
}

void DtlsTransport::FinishHandshake() {
  // The verify callback has checked the certificate; checking again here
  // keeps keys from ever leaving unchecked, whatever path OpenSSL took.
  if (!PeerMatchesFingerprint(SSL_get0_peer_certificate(ssl_.get()))) {
    Fail("the peer's certificate does not match its a=fingerprint (" + fingerprintAlgorithm_ + " " +
         remoteFingerprint_ + ")");
    return;
  }
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_.get());
  const std::optional<SrtpProfile> profile = selected ? SrtpProfileFromName(selected->name) : std::nullopt;
  if (!profile) {
    Fail("no common SRTP profile with the peer");
    return;
  }
  std::optional<SrtpKeys> keys = ExportKeys(*profile);
  if (!keys) {
    Fail("cannot export the SRTP keys: " + TakeOpenSslError());
    return;
  }
  timer_.Disarm();
  state_ = State::kConnected;
  GST_INFO("connect dtls [role:%s, version:%s, cipher:%s, srtp:%s]", RoleName(role_), SSL_get_version(ssl_.get()),
           SSL_get_cipher_name(ssl_.get()), selected->name);
  notification_ = Notification{State::kConnected, std::move(*keys), {}};
}

std::optional<SrtpKeys> DtlsTransport::ExportKeys(SrtpProfile profile) {
  const size_t keyLength = SrtpMasterKeyLength(profile);
  const size_t saltLength = SrtpMasterSaltLength(profile);
  std::vector<uint8_t> material(2 * (keyLength + saltLength));
  ERR_clear_error();
  if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(), kKeyingLabel,
                                 sizeof kKeyingLabel - 1, nullptr, 0, 0) != 1) {
    return std::nullopt;
  }
  // client key | server key | client salt | server salt.
  const uint8_t* clientKey = material.data();
  const uint8_t* serverKey = clientKey + keyLength;
  const uint8_t* clientSalt = serverKey + keyLength;
  const uint8_t* serverSalt = clientSalt + saltLength;
  std::vector<uint8_t> client(clientKey, clientKey + keyLength);
  client.insert(client.end(), clientSalt, clientSalt + saltLength);
  std::vector<uint8_t> server(serverKey, serverKey + keyLength);
  server.insert(server.end(), serverSalt, serverSalt + saltLength);
  OPENSSL_cleanse(material.data(), material.size());
  const bool weAreClient = role_ == DtlsRole::kClient;
  return SrtpKeys{profile, weAreClient ? std::move(client) : std::move(server),
                  weAreClient ? std::move(server) : std::move(client)};
}

void DtlsTransport::ReadRecords() {
  // Nothing but alerts and retransmitted handshake flights is expected
  // once connected; SSL_read handles both (answering a flight with ours).
  std::array<uint8_t, kMtu> discard;
  size_t discarded = 0;
  for (;;) {
    ERR_clear_error();
    const int result = SSL_read(ssl_.get(), discard.data(), static_cast<int>(discard.size()));
    if (result > 0) {
      discarded += static_cast<size_t>(result);
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), result);
    Flush();
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      OnPeerClosed();
    } else {
      Fail("DTLS: " + TakeOpenSslError());
    }
    return;
  }
  if (discarded > 0) GST_DEBUG("drop dtls application data [bytes:%zu]", discarded);
  UpdateTimer();
}

void DtlsTransport::OnPeerClosed() {
  // Answer with our close_notify, as TLS asks of the side that receives one.
  ERR_clear_error();
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
  Flush();
  timer_.Disarm();
  pending_.clear();
  state_ = State::kClosed;
  GST_INFO("close dtls [by:peer, role:%s]", RoleName(role_));
  notification_ = Notification{State::kClosed, {}, {}};
}

void DtlsTransport::Fail(const std::string& reason) {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  timer_.Disarm();
  pending_.clear();
  state_ = State::kFailed;
  GST_WARNING("fail dtls [role:%s, reason:%s]", RoleName(role_), reason.c_str());
  notification_ = Notification{State::kFailed, {}, reason};
}

void DtlsTransport::Flush() {
  char* data = nullptr;
  const long length = BIO_get_mem_data(toNetwork_, &data);
  if (length <= 0) return;
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(length));
  for (std::span<const uint8_t> datagram : PackDtlsRecords(bytes, kMtu)) {
    listener_.OnDtlsSendPacket(*this, datagram.data(), datagram.size());
  }
  (void)BIO_reset(toNetwork_);
}

void DtlsTransport::UpdateTimer() {
  timeval left{};
  if ((state_ == State::kConnecting || state_ == State::kConnected) && DTLSv1_get_timeout(ssl_.get(), &left) == 1) {
    timer_.Arm(std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec));
  } else {
    timer_.Disarm();
  }
}

void DtlsTransport::Notify() {
  if (!notification_) return;
  // Moved out first: the listener may destroy us.
  Notification notification = std::move(*notification_);
  notification_.reset();
  switch (notification.state) {
    case State::kConnected:
      listener_.OnDtlsConnected(*this, notification.keys);
      break;
    case State::kFailed:
      listener_.OnDtlsFailed(*this, notification.reason);
      break;
    case State::kClosed:
      listener_.OnDtlsClosed(*this);
      break;
    case State::kNew:
    case State::kConnecting:
      break;
  }
}

bool DtlsTransport::PeerMatchesFingerprint(X509* certificate) const {
  if (!certificate) return false;
  const std::string actual = DtlsCertificate::FingerprintOf(certificate, fingerprintAlgorithm_);
  return !actual.empty() && actual == remoteFingerprint_;
}

}  // namespace plenum::transport
