// One participant's WebRTC transport: ICE, then DTLS over it, then SRTP
// with the keys DTLS exported; one 5-tuple for everything (BUNDLE,
// rtcp-mux). It only moves packets: what they carry is the room's business.
// Every call, and every listener call, happens on the media worker whose
// context it was made with.
#pragma once

#include "transport/DtlsCertificate.hpp"
#include "transport/DtlsTransport.hpp"
#include "transport/IceSettings.hpp"
#include "transport/IceTransport.hpp"
#include "transport/SrtpSession.hpp"
#include "transport/TransportDescription.hpp"

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plenum::transport {

class WebRtcTransport : private IceTransport::Listener, private DtlsTransport::Listener {
 public:
  enum class State { kNew, kConnecting, kConnected, kFailed, kClosed };

  struct Counters {
    uint64_t packetsIn = 0;  // RTP and RTCP that unprotected
    uint64_t bytesIn = 0;
    uint64_t packetsOut = 0;
    uint64_t bytesOut = 0;
    uint64_t rejectedIn = 0;  // did not unprotect (replayed, forged, before keys)
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    // An SDP candidate value; "" once gathering is done (end of candidates).
    virtual void OnTransportLocalCandidate(WebRtcTransport& transport, const std::string& candidate) = 0;
    // `reason` says why for kFailed and kClosed.
    virtual void OnTransportStateChanged(WebRtcTransport& transport, State state, const std::string& reason) = 0;
    virtual void OnTransportSelectedPair(WebRtcTransport& transport, const IceTransport::SelectedPair& pair) = 0;
    // Every change of the ICE agent's own state, for a connection's
    // timeline (the transport's state above already follows from it).
    virtual void OnTransportIceState(WebRtcTransport&, IceTransport::State) {}
    // Every change of DTLS's state (connecting once ICE has a pair, then
    // connected, failed or closed), for the same timeline.
    virtual void OnTransportDtlsState(WebRtcTransport&, DtlsTransport::State) {}
    // Decrypted packets, valid during the call and changeable in place.
    virtual void OnTransportRtp(WebRtcTransport& transport, uint8_t* data, size_t length) = 0;
    virtual void OnTransportRtcp(WebRtcTransport& transport, uint8_t* data, size_t length) = 0;
  };

  WebRtcTransport(Listener& listener, GMainContext* context, const IceSettings& settings,
                  std::shared_ptr<const DtlsCertificate> certificate);
  ~WebRtcTransport() override;

  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  // Takes the offer's transport and starts gathering; candidates the offer
  // carried are added. Throws TransportDescriptionError when the offer's
  // setup leaves no role, and changes nothing then.
  void Start(const RemoteTransport& remote);
  // What our answer says; the role is known once Start() has run.
  LocalTransport Local() const;

  bool AddRemoteCandidate(const std::string& candidate);
  void EndOfRemoteCandidates();

  // Protects and sends one packet. False (the packet dropped) before the
  // transport is connected, or when it does not fit or the socket is full.
  bool SendRtp(const uint8_t* data, size_t length);
  bool SendRtcp(const uint8_t* data, size_t length);
  // Sends DTLS close_notify (the peer learns the call is over at once,
  // not after consent expires) and makes the transport closed.
  void Close();

  State GetState() const { return state_; }
  const Counters& GetCounters() const { return counters_; }
  static const char* ToString(State state);

 private:
  // IceTransport::Listener
  void OnIceLocalCandidate(IceTransport&, const std::string& candidate) override;
  void OnIceGatheringDone(IceTransport&) override;
  void OnIceStateChanged(IceTransport&, IceTransport::State state) override;
  void OnIceSelectedPair(IceTransport&, const IceTransport::SelectedPair& pair) override;
  void OnIcePacket(IceTransport&, uint8_t* data, size_t length) override;
  // DtlsTransport::Listener
  void OnDtlsSendPacket(DtlsTransport&, const uint8_t* data, size_t length) override;
  void OnDtlsConnected(DtlsTransport&, const SrtpKeys& keys) override;
  void OnDtlsFailed(DtlsTransport&, const std::string& reason) override;
  void OnDtlsClosed(DtlsTransport&) override;

  void SetState(State state, const std::string& reason = "");
  // Tells the listener of DTLS's state, once per change.
  void ReportDtlsState(DtlsTransport::State state);
  bool Send(bool rtcp, const uint8_t* data, size_t length);

  // Passed by argument.
  Listener& listener_;

  // Owned.
  std::shared_ptr<const DtlsCertificate> certificate_;
  std::unique_ptr<IceTransport> ice_;
  std::unique_ptr<DtlsTransport> dtls_;
  std::unique_ptr<SrtpSession> srtpIn_;
  std::unique_ptr<SrtpSession> srtpOut_;

  // Others.
  State state_ = State::kNew;
  DtlsTransport::State dtlsReported_ = DtlsTransport::State::kNew;
  bool started_ = false;
  DtlsRole role_ = DtlsRole::kClient;
  RemoteTransport remote_;
  Counters counters_;
  std::vector<uint8_t> sendBuffer_;  // protect happens here: the caller's packet stays as it was
};

}  // namespace plenum::transport
