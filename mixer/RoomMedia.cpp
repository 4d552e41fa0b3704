#include "mixer/RoomMedia.hpp"

#include "mixer/AudioLevel.hpp"
#include "transport/RtpPacketView.hpp"

#include <gst/rtp/rtp.h>

#include <cstring>
#include <vector>

namespace plenum::mixer {

// One participant: their transport and what their answer negotiated.
class RoomMedia::Endpoint : public transport::WebRtcTransport::Listener {
 public:
  Endpoint(RoomMedia& room, std::string id) : room_(room), id_(std::move(id)) {}

  void OnTransportLocalCandidate(transport::WebRtcTransport&, const std::string& candidate) override {
    // libnice may report host candidates inside Start(), before the answer
    // has gone out; a browser refuses candidates that come before it.
    if (!answered_) {
      pending_.push_back(candidate);
      return;
    }
    room_.listener_.OnLocalCandidate(id_, answer.bundleMline, answer.bundleMid, candidate);
  }
  // After the answer has been handed to the listener.
  void Answered() {
    answered_ = true;
    for (const std::string& candidate : pending_)
      room_.listener_.OnLocalCandidate(id_, answer.bundleMline, answer.bundleMid, candidate);
    pending_.clear();
  }
  void OnTransportStateChanged(transport::WebRtcTransport&, transport::WebRtcTransport::State state,
                               const std::string& reason) override {
    room_.listener_.OnTransportState(id_, state, reason);
  }
  void OnTransportSelectedPair(transport::WebRtcTransport&, const transport::IceTransport::SelectedPair&) override {}
  void OnTransportRtp(transport::WebRtcTransport&, uint8_t* data, size_t length) override {
    room_.OnRtp(*this, data, length);
  }
  void OnTransportRtcp(transport::WebRtcTransport&, uint8_t*, size_t) override {}

  const std::string& Id() const { return id_; }

  LocalAnswer answer;
  std::unique_ptr<transport::WebRtcTransport> transport;

 private:
  RoomMedia& room_;
  const std::string id_;
  bool answered_ = false;
  std::vector<std::string> pending_;
};

RoomMedia::RoomMedia(Listener& listener, transport::MediaWorker& worker,
                     std::shared_ptr<const transport::DtlsCertificate> certificate, Options options)
    : listener_(listener),
      worker_(worker),
      certificate_(std::move(certificate)),
      options_(std::move(options)),
      audio_(*this, options_.audio),
      tick_(worker.Context(), std::chrono::milliseconds(20), [this] { audio_.Tick(); }) {}

RoomMedia::~RoomMedia() = default;

void RoomMedia::ApplyOffer(const std::string& participant, const std::string& sdp) {
  if (endpoints_.count(participant))
    throw OfferError(OfferError::Kind::Unsupported, "renegotiation is not supported by this transport yet");
  const OfferSummary summary = InspectOffer(sdp);  // throws OfferError
  GstSDPMessage* parsed = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &parsed);
  std::unique_ptr<GstSDPMessage, decltype(&gst_sdp_message_free)> offer(parsed, &gst_sdp_message_free);
  if (!offer) throw OfferError(OfferError::Kind::Malformed, "the offer is not SDP");
  const transport::RemoteTransport remote = transport::ReadRemoteTransport(*offer);  // throws
  transport::AnswerRole(remote.setup);                                             // throws

  auto endpoint = std::make_unique<Endpoint>(*this, participant);
  endpoint->transport =
      std::make_unique<transport::WebRtcTransport>(*endpoint, worker_.Context(), options_.ice, certificate_);
  if (!summary.audio) throw OfferError(OfferError::Kind::Unsupported, "the offer has no audio this room can use");
  // Candidates may trickle out of Start at once, naming the bundle section
  // before the answer is written.
  endpoint->answer.bundleMid = summary.audio->mid;
  endpoint->answer.bundleMline = summary.audio->mlineIndex;
  const uint32_t ssrc = g_random_int();
  Endpoint& added = *endpoint;
  endpoints_.emplace(participant, std::move(endpoint));
  added.transport->Start(remote);
  // Now with the ICE credentials the started transport has.
  added.answer = BuildLocalAnswer(*offer, summary, added.transport->Local(), ssrc, "plenum");
  audio_.AddParticipant(participant, ssrc, static_cast<uint16_t>(g_random_int()), g_random_int());
  listener_.OnAnswer(participant, added.answer.sdp);
  added.Answered();
}

bool RoomMedia::AddRemoteCandidate(const std::string& participant, const std::string& candidate) {
  const auto found = endpoints_.find(participant);
  return found != endpoints_.end() && found->second->transport->AddRemoteCandidate(candidate);
}

void RoomMedia::EndOfRemoteCandidates(const std::string& participant) {
  if (const auto found = endpoints_.find(participant); found != endpoints_.end())
    found->second->transport->EndOfRemoteCandidates();
}

void RoomMedia::RemoveParticipant(const std::string& participant) {
  audio_.RemoveParticipant(participant);
  const auto found = endpoints_.find(participant);
  if (found == endpoints_.end()) return;
  found->second->transport->Close();
  endpoints_.erase(found);
}

const transport::WebRtcTransport* RoomMedia::Transport(const std::string& participant) const {
  const auto found = endpoints_.find(participant);
  return found == endpoints_.end() ? nullptr : found->second->transport.get();
}

void RoomMedia::OnRtp(Endpoint& endpoint, uint8_t* data, size_t length) {
  const transport::RtpPacketView packet(std::span<const uint8_t>(data, length));
  if (!packet) return;
  const NegotiatedAudio& audio = endpoint.answer.audio;
  if (audio.receive && packet.PayloadType() == audio.payloadType) {
    std::optional<uint8_t> level;
    if (audio.levelExtensionId) {
      if (const auto extension = packet.OneByteExtension(static_cast<uint8_t>(audio.levelExtensionId));
          extension && !extension->empty())
        level = AudioLevel::Parse((*extension)[0]).level;
    }
    audio_.PushPacket(endpoint.Id(), packet.SequenceNumber(), packet.Timestamp(), level, packet.Payload());
  }
}

void RoomMedia::OnAudioPacket(const std::string& participant, const AudioEngine::OutgoingPacket& packet) {
  const auto found = endpoints_.find(participant);
  if (found == endpoints_.end() || !found->second->answer.audio.send) return;
  Endpoint& endpoint = *found->second;
  // GstRTPBuffer writes the header; the packet is copied once more into
  // the transport's buffer, where SRTP protects it.
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(static_cast<guint>(packet.payload.size()), 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp)) {
    gst_rtp_buffer_set_payload_type(&rtp, static_cast<guint8>(endpoint.answer.audio.payloadType));
    gst_rtp_buffer_set_ssrc(&rtp, packet.ssrc);
    gst_rtp_buffer_set_seq(&rtp, packet.sequence);
    gst_rtp_buffer_set_timestamp(&rtp, packet.timestamp);
    std::memcpy(gst_rtp_buffer_get_payload(&rtp), packet.payload.data(), packet.payload.size());
    gst_rtp_buffer_unmap(&rtp);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      endpoint.transport->SendRtp(map.data, map.size);
      gst_buffer_unmap(buffer, &map);
    }
  }
  gst_buffer_unref(buffer);
}

}  // namespace plenum::mixer
