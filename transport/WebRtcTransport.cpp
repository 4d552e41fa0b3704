#include "transport/WebRtcTransport.hpp"

#include "transport/Log.hpp"
#include "transport/PacketKind.hpp"

#include <cstring>

namespace plenum::transport {
namespace {

// Our packets never exceed a conservative path MTU; the buffer leaves room
// for SRTP's trailer beyond it.
constexpr size_t kMaxPacket = 1500;

}  // namespace

WebRtcTransport::WebRtcTransport(Listener& listener, GMainContext* context, const IceSettings& settings,
                                 std::shared_ptr<const DtlsCertificate> certificate)
    : listener_(listener),
      certificate_(std::move(certificate)),
      ice_(std::make_unique<IceTransport>(static_cast<IceTransport::Listener&>(*this), context, settings)),
      dtls_(std::make_unique<DtlsTransport>(static_cast<DtlsTransport::Listener&>(*this), certificate_, context)),
      sendBuffer_(kMaxPacket + SrtpSession::kMaxTrailer) {}

WebRtcTransport::~WebRtcTransport() {
  // DTLS goes first: its close_notify (if any) still has ICE to leave by.
  dtls_.reset();
  ice_.reset();
}

void WebRtcTransport::Start(const RemoteTransport& remote) {
  if (started_) return;
  role_ = AnswerRole(remote.setup);  // throws before anything changes
  remote_ = remote;
  started_ = true;
  ice_->SetRemoteCredentials(remote.iceUfrag, remote.icePassword);
  SetState(State::kConnecting);
  ice_->StartGathering();
  for (const std::string& candidate : remote.candidates) ice_->AddRemoteCandidate(candidate);
  if (remote.endOfCandidates) ice_->EndOfRemoteCandidates();
}

LocalTransport WebRtcTransport::Local() const {
  return LocalTransport{ice_->LocalUfrag(), ice_->LocalPassword(), certificate_->Fingerprint(), role_};
}

bool WebRtcTransport::AddRemoteCandidate(const std::string& candidate) {
  return ice_->AddRemoteCandidate(candidate);
}

void WebRtcTransport::EndOfRemoteCandidates() { ice_->EndOfRemoteCandidates(); }

bool WebRtcTransport::SendRtp(const uint8_t* data, size_t length) { return Send(false, data, length); }

bool WebRtcTransport::SendRtcp(const uint8_t* data, size_t length) { return Send(true, data, length); }

bool WebRtcTransport::Send(bool rtcp, const uint8_t* data, size_t length) {
  if (state_ != State::kConnected || !srtpOut_ || length > kMaxPacket) return false;
  std::memcpy(sendBuffer_.data(), data, length);
  size_t protectedLength = length;
  const bool ok = rtcp ? srtpOut_->ProtectRtcp(sendBuffer_.data(), protectedLength, sendBuffer_.size())
                       : srtpOut_->ProtectRtp(sendBuffer_.data(), protectedLength, sendBuffer_.size());
  if (!ok || !ice_->Send(sendBuffer_.data(), protectedLength)) return false;
  ++counters_.packetsOut;
  counters_.bytesOut += protectedLength;
  return true;
}

void WebRtcTransport::Close() {
  if (dtls_) dtls_->Close();
  SetState(State::kClosed, "closed by us");
}

const char* WebRtcTransport::ToString(State state) {
  switch (state) {
    case State::kNew: return "new";
    case State::kConnecting: return "connecting";
    case State::kConnected: return "connected";
    case State::kFailed: return "failed";
    case State::kClosed: return "closed";
  }
  return "unknown";
}

void WebRtcTransport::SetState(State state, const std::string& reason) {
  if (state == state_) return;
  // Failed and closed are final: a late DTLS alert does not revive or
  // re-report a transport that is over.
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  GST_INFO("change transport-state [ufrag:%s] [from:%s] [to:%s] [reason:%s]", ice_->LocalUfrag().c_str(),
           ToString(state_), ToString(state), reason.c_str());
  state_ = state;
  listener_.OnTransportStateChanged(*this, state, reason);
}

void WebRtcTransport::OnIceLocalCandidate(IceTransport&, const std::string& candidate) {
  listener_.OnTransportLocalCandidate(*this, candidate);
}

void WebRtcTransport::OnIceGatheringDone(IceTransport&) { listener_.OnTransportLocalCandidate(*this, ""); }

void WebRtcTransport::OnIceStateChanged(IceTransport&, IceTransport::State state) {
  listener_.OnTransportIceState(*this, state);
  switch (state) {
    case IceTransport::State::kConnected:
    case IceTransport::State::kCompleted:
      // DTLS starts on the first working pair; later ICE changes (the
      // nomination, a new pair) change nothing for it.
      if (dtls_->GetState() == DtlsTransport::State::kNew) {
        // Before Start(), which may already fail.
        ReportDtlsState(DtlsTransport::State::kConnecting);
        dtls_->Start(role_, remote_.fingerprintAlgorithm, remote_.fingerprint);
      }
      break;
    case IceTransport::State::kFailed:
      SetState(State::kFailed, state_ == State::kConnected ? "ICE consent lost" : "ICE failed");
      break;
    default: break;
  }
}

void WebRtcTransport::OnIceSelectedPair(IceTransport&, const IceTransport::SelectedPair& pair) {
  listener_.OnTransportSelectedPair(*this, pair);
}

void WebRtcTransport::OnIcePacket(IceTransport&, uint8_t* data, size_t length) {
  switch (ClassifyPacket(data, length)) {
    case PacketKind::kDtls: dtls_->ReceivePacket(data, length); return;
    case PacketKind::kRtp: {
      size_t plainLength = length;
      if (!srtpIn_ || !srtpIn_->UnprotectRtp(data, plainLength)) {
        ++counters_.rejectedIn;
        return;
      }
      ++counters_.packetsIn;
      counters_.bytesIn += length;
      listener_.OnTransportRtp(*this, data, plainLength);
      return;
    }
    case PacketKind::kRtcp: {
      size_t plainLength = length;
      if (!srtpIn_ || !srtpIn_->UnprotectRtcp(data, plainLength)) {
        ++counters_.rejectedIn;
        return;
      }
      ++counters_.packetsIn;
      counters_.bytesIn += length;
      listener_.OnTransportRtcp(*this, data, plainLength);
      return;
    }
    default: ++counters_.rejectedIn; return;
  }
}

void WebRtcTransport::OnDtlsSendPacket(DtlsTransport&, const uint8_t* data, size_t length) {
  ice_->Send(data, length);
}

void WebRtcTransport::ReportDtlsState(DtlsTransport::State state) {
  if (state == dtlsReported_) return;
  dtlsReported_ = state;
  listener_.OnTransportDtlsState(*this, state);
}

void WebRtcTransport::OnDtlsConnected(DtlsTransport&, const SrtpKeys& keys) {
  ReportDtlsState(DtlsTransport::State::kConnected);
  try {
    srtpIn_ = std::make_unique<SrtpSession>(SrtpSession::Direction::kInbound, keys.profile,
                                            keys.remoteMasterKeyAndSalt);
    srtpOut_ = std::make_unique<SrtpSession>(SrtpSession::Direction::kOutbound, keys.profile,
                                             keys.localMasterKeyAndSalt);
  } catch (const std::exception& error) {
    srtpIn_.reset();
    srtpOut_.reset();
    SetState(State::kFailed, std::string("SRTP: ") + error.what());
    return;
  }
  SetState(State::kConnected);
}

void WebRtcTransport::OnDtlsFailed(DtlsTransport&, const std::string& reason) {
  ReportDtlsState(DtlsTransport::State::kFailed);
  SetState(State::kFailed, "DTLS: " + reason);
}

void WebRtcTransport::OnDtlsClosed(DtlsTransport&) {
  ReportDtlsState(DtlsTransport::State::kClosed);
  SetState(State::kClosed, "DTLS closed by the peer");
}

}  // namespace plenum::transport
