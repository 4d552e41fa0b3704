// DTLS-SRTP (RFC 5764) for one ICE component: OpenSSL on memory BIOs, so
// the datagrams come from and go to the ICE transport that owns us, and the
// retransmission timer runs on the media worker's GMainContext. Its product
// is the SRTP keys; it carries no application data.
#pragma once

#include <glib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/OpenSslOwners.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/DtlsTimer.hpp"
#include "transport/SrtpProfile.hpp"

namespace plenum::transport {

// kClient sends the ClientHello (we answered a=setup:active).
enum class DtlsRole { kClient, kServer };

struct SrtpKeys {
  SrtpProfile profile;
  std::vector<uint8_t> localMasterKeyAndSalt;   // protects what we send
  std::vector<uint8_t> remoteMasterKeyAndSalt;  // unprotects what we receive
};

class DtlsTransport final : private DtlsTimer::Listener {
 public:
  enum class State { kNew, kConnecting, kConnected, kFailed, kClosed };

  // OnDtlsConnected, OnDtlsFailed and OnDtlsClosed are the last thing a call
  // into the transport does, so the listener may destroy the transport from
  // them; never from OnDtlsSendPacket.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnDtlsSendPacket(DtlsTransport& transport, const uint8_t* data, size_t length) = 0;
    virtual void OnDtlsConnected(DtlsTransport& transport, const SrtpKeys& keys) = 0;
    virtual void OnDtlsFailed(DtlsTransport& transport, const std::string& reason) = 0;
    virtual void OnDtlsClosed(DtlsTransport& transport) = 0;  // the peer sent close_notify
  };

  // Below the smallest path MTU WebRTC plans for once ICE and TURN headers
  // are added (browsers use 1200 too).
  static constexpr size_t kMtu = 1200;
  // Datagrams kept until Start(): a peer's first flight and its
  // retransmissions; more is noise or an attack.
  static constexpr size_t kMaxPendingPackets = 8;
  // The first retransmission, doubled each time up to the cap; OpenSSL gives
  // up after 12 in a row (the handshake fails about 32 s after it began).
  static constexpr std::chrono::milliseconds kInitialRetransmission{200};
  static constexpr std::chrono::milliseconds kMaxRetransmission{3200};

  // `context` is the media worker's; all calls come on its thread. `srtpProfiles`
  // narrows what we offer (client) or accept (server); empty means
  // PreferredSrtpProfiles(). Throws std::runtime_error if OpenSSL cannot
  // allocate.
  DtlsTransport(Listener& listener, std::shared_ptr<const DtlsCertificate> certificate, GMainContext* context,
                const std::vector<SrtpProfile>& srtpProfiles = {});
  ~DtlsTransport() override;  // no callbacks after this

  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // Once ICE is connected. `remoteFingerprint` is the remote a=fingerprint
  // for `algorithm` ("sha-256", also sha-1/-224/-384/-512); a peer
  // certificate is accepted only when it matches. Datagrams received before
  // are fed now.
  void Start(DtlsRole role, const std::string& algorithm, const std::string& remoteFingerprint);
  // A datagram whose first byte is 20..63 (RFC 7983).
  void ReceivePacket(const uint8_t* data, size_t length);
  // Sends close_notify if connected; no callback.
  void Close();
  State GetState() const { return state_; }

 private:
  // What the listener hears about once the call that caused it is done.
  struct Notification {
    State state;
    SrtpKeys keys;
    std::string reason;
  };

  static int VerifyPeer(int preverifyOk, X509_STORE_CTX* store);
  static unsigned int NextRetransmission(SSL* ssl, unsigned int previousMicroseconds);

  void OnDtlsTimerExpired() override;

  void Feed(const uint8_t* data, size_t length);
  void ContinueHandshake();
  void FinishHandshake();
  void ReadRecords();
  void OnPeerClosed();
  void Fail(const std::string& reason);
  void Flush();
  void UpdateTimer();
  void Notify();
  bool PeerMatchesFingerprint(X509* certificate) const;
  std::optional<SrtpKeys> ExportKeys(SrtpProfile profile);

  // Passed by argument.
  Listener& listener_;

  // Owned.
  std::shared_ptr<const DtlsCertificate> certificate_;
  common::SslPtr ssl_;
  DtlsTimer timer_;

  // Others.
  BIO* fromNetwork_ = nullptr;  // owned by ssl_
  BIO* toNetwork_ = nullptr;    // owned by ssl_
  State state_ = State::kNew;
  DtlsRole role_ = DtlsRole::kServer;
  std::string fingerprintAlgorithm_;
  std::string remoteFingerprint_;  // uppercase, as FingerprintOf() writes it
  bool fingerprintMismatch_ = false;
  std::deque<std::vector<uint8_t>> pending_;
  std::optional<Notification> notification_;
};

}  // namespace plenum::transport
