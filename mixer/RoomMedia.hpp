// A room's media on the media worker that owns it, with the room's own
// transport instead of a webrtcbin per participant: each participant's
// WebRtcTransport, the AudioEngine and its 20 ms tick, and RoomVideo (the
// cameras decoded into the composite, and the composite's VP8 sent to
// every receiver).
//
// Video (issue 10, step 3) is VP8 only: an H.264-only video section is
// rejected. A participant's camera starts with its first VP8 packet (a
// tile, and a PLI to the sender); each composite packet goes to every
// receiver under its negotiated payload type, is kept a while in a
// room-level history to answer generic NACKs, and a receiver's PLI or FIR
// asks the composite's encoder for a keyframe. Not yet: NACKs towards
// senders, REMB, name tiles for participants without a camera.
//
// Everything here runs on the worker; the control thread reaches it by
// posting, and events go back through the Listener (which posts to the
// control thread in the server). RoomVideo's GStreamer threads post to the
// worker too, and what they post is dropped once the room is gone.
#pragma once

#include "mixer/AudioEngine.hpp"
#include "mixer/LocalAnswer.hpp"
#include "mixer/SpeakerDetector.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/RoomVideo.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/IceSettings.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/PeriodicTimer.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpWriter.hpp"
#include "transport/RtpHistory.hpp"
#include "transport/WebRtcTransport.hpp"

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace plenum::mixer {

class RoomMedia : private AudioEngine::Listener, private RoomVideo::Listener {
 public:
  struct Options {
    transport::IceSettings ice;
    AudioEngine::Options audio;
    // The composite (size, rate, bitrate, keyframe limits) and the
    // cameras' jitter buffers; its ICE part is not used (see `ice`).
    MediaOptions media;
    // Names the room's video pipeline in logs and dot files.
    std::string name = "room";
  };

  struct VideoCounters {
    uint64_t packetsSent = 0;       // composite packets, counted per receiver
    uint64_t retransmitted = 0;     // answering NACKs
    uint64_t nackedMissing = 0;     // asked for, no longer (or never) in the history
    uint64_t keyframeRequests = 0;  // PLIs and FIRs from receivers
    uint64_t plisSent = 0;          // to senders, for their cameras
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAnswer(const std::string& participant, const std::string& sdp) = 0;
    // `candidate` "" is our end of candidates.
    virtual void OnLocalCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                                  const std::string& candidate) = 0;
    virtual void OnTransportState(const std::string& participant, transport::WebRtcTransport::State state,
                                  const std::string& reason) = 0;
    // The room's active speaker changed ("" for nobody), as SpeakerDetector
    // decides from the engine's levels: the protocol's `speaker` message.
    virtual void OnSpeakerChanged(const std::string& participant) = 0;
  };

  // On the worker.
  RoomMedia(Listener& listener, transport::MediaWorker& worker,
            std::shared_ptr<const transport::DtlsCertificate> certificate, Options options);
  ~RoomMedia() override;

  RoomMedia(const RoomMedia&) = delete;
  RoomMedia& operator=(const RoomMedia&) = delete;

  // The participant's offer: throws OfferError or TransportDescriptionError
  // and changes nothing when it cannot be used; else the answer goes out
  // through the listener before this returns. A second offer (a
  // renegotiation) is refused for now.
  void ApplyOffer(const std::string& participant, const std::string& sdp);
  // False when it does not parse or the participant has no transport.
  bool AddRemoteCandidate(const std::string& participant, const std::string& candidate);
  void EndOfRemoteCandidates(const std::string& participant);
  void RemoveParticipant(const std::string& participant);

  const AudioEngine& Audio() const { return audio_; }
  // Null before the first participant with video.
  const RoomVideo* Video() const { return video_.get(); }
  const VideoCounters& GetVideoCounters() const { return videoCounters_; }
  const transport::PeriodicTimer& Tick() const { return tick_; }
  // Null when unknown.
  const transport::WebRtcTransport* Transport(const std::string& participant) const;

 private:
  class Endpoint;

  // AudioEngine::Listener
  void OnAudioPacket(const std::string& participant, const AudioEngine::OutgoingPacket& packet) override;
  void OnFullMix(std::span<const int16_t>) override {}
  void OnTick();
  // RoomVideo::Listener
  void OnCompositePacket(GstBuffer* packet) override;
  void OnCameraKeyframeWanted(const std::string& participant) override;
  void OnCameraFailed(const std::string& participant, const std::string& reason) override;

  void OnRtp(Endpoint& endpoint, uint8_t* data, size_t length);
  void OnRtcp(Endpoint& endpoint, uint8_t* data, size_t length);
  void OnConnected(Endpoint& endpoint);
  void OnCameraPacket(Endpoint& endpoint, std::span<const uint8_t> packet, uint32_t ssrc);
  // Sends the composite packet `packet` (payload type RoomVideo::kPayloadType)
  // to `endpoint` under its own payload type; false when it does not go.
  bool SendVideo(Endpoint& endpoint, std::span<const uint8_t> packet);
  // A PLI to the participant for their camera; `force` skips the rate limit.
  void RequestCameraKeyframe(Endpoint& endpoint, bool force);

  // Passed by argument.
  Listener& listener_;
  transport::MediaWorker& worker_;

  // Owned.
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  const Options options_;
  const uint32_t videoSsrc_;  // the composite's, for every receiver
  AudioEngine audio_;
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;
  // Made with the first participant whose answer has video; destroyed
  // first (see the destructor).
  std::unique_ptr<RoomVideo> video_;
  std::unique_ptr<transport::RtpHistory> videoHistory_;  // the composite as sent, for NACKs
  transport::RtcpReader rtcpReader_;
  transport::RtcpWriter rtcpWriter_;
  SpeakerDetector speaker_;
  std::vector<SpeakerDetector::Level> speakerLevels_;  // reused every tick
  transport::PeriodicTimer tick_;  // last: it may fire once everything above exists

  // Others.
  std::vector<uint8_t> videoScratch_;  // a receiver's copy of a composite packet
  uint64_t joins_ = 0;
  VideoCounters videoCounters_;
};

}  // namespace plenum::mixer
