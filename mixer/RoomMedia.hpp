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
#include "mixer/CumulativeLoss.hpp"
#include "mixer/EncodedTap.hpp"
#include "mixer/LocalAnswer.hpp"
#include "mixer/SpeakerDetector.hpp"
#include "mixer/MediaMetrics.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/RoomVideo.hpp"
#include "mixer/RtpTimeline.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/IceSettings.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/PeriodicTimer.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpWriter.hpp"
#include "transport/RtpHistory.hpp"
#include "transport/WebRtcTransport.hpp"

#include <atomic>
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
    // The room's timeline: a running time is the system clock's time less
    // this (RunningTime()), for the audio the engine makes and the video
    // pipeline alike, so recordings and broadcasts line both up. 0: when
    // the room is made.
    GstClockTime baseTime = 0;
    // Where the room's media is counted for /metrics (the server's, which
    // outlives the room), and which of its WorkerCounters belongs to the
    // worker the room runs on; null: counted in the room's own.
    MediaMetrics* metrics = nullptr;
    size_t workerIndex = 0;
  };

  // What flows to and from one participant: counted on the worker, read
  // from any thread (the control thread's rates).
  struct Traffic {
    struct Stream {
      std::atomic<uint64_t> packets{0};
      std::atomic<uint64_t> bytes{0};
      void Add(size_t length) {
        packets.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(length, std::memory_order_relaxed);
      }
    };
    Stream audioIn, videoIn, audioOut, videoOut;
    // Packets lost on the way from the participant (our report blocks) and
    // to it (its report blocks about our streams), as CumulativeLoss counts.
    std::atomic<uint64_t> lostIn{0}, lostOut{0};
  };

  struct VideoCounters {
    uint64_t packetsSent = 0;       // composite packets, counted per receiver
    uint64_t retransmitted = 0;     // answering NACKs
    uint64_t nackedMissing = 0;     // asked for, no longer (or never) in the history
    uint64_t keyframeRequests = 0;  // PLIs and FIRs from receivers
    uint64_t keyframeRequestsLimited = 0;  // of those, too soon after the same receiver's last: deferred
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
    // For the participant's timeline: each ICE state, the pair selected,
    // and the first packet of each kind from them (`incoming`) and to them.
    virtual void OnIceState(const std::string&, transport::IceTransport::State) {}
    virtual void OnSelectedPair(const std::string&, const transport::IceTransport::SelectedPair&) {}
    virtual void OnDtlsState(const std::string&, transport::DtlsTransport::State) {}
    virtual void OnFirstMedia(const std::string&, MediaKind, bool /*incoming*/) {}
    // The room's video pipeline failed: the room cannot go on.
    virtual void OnVideoFailed(const std::string&) {}
  };

  // On the worker.
  RoomMedia(Listener& listener, transport::MediaWorker& worker,
            std::shared_ptr<const transport::DtlsCertificate> certificate, Options options);
  ~RoomMedia() override;

  RoomMedia(const RoomMedia&) = delete;
  RoomMedia& operator=(const RoomMedia&) = delete;

  // Someone joined: their name (their tile until their camera sends) and
  // where their traffic is counted (may be null). Before their offer; an
  // offer from someone not added adds them without a name.
  void AddParticipant(const std::string& participant, const std::string& name, std::shared_ptr<Traffic> traffic);
  // The participant's offer: throws OfferError or TransportDescriptionError
  // and changes nothing when it cannot be used; else the answer goes out
  // through the listener before this returns. A later offer renegotiates
  // on the same transport; one that restarts ICE is refused.
  void ApplyOffer(const std::string& participant, const std::string& sdp);
  // False when it does not parse or the participant has no transport.
  bool AddRemoteCandidate(const std::string& participant, const std::string& candidate);
  void EndOfRemoteCandidates(const std::string& participant);
  void RemoveParticipant(const std::string& participant);

  // Copies of the media for recordings and broadcasts, from now on; empty
  // taps stop them, and a tap replaced or stopped is not called once the
  // call has returned. Running times are on the room's timeline. Taps are
  // called on the worker (audio) or the video pipeline's threads (video),
  // and must not block.
  //  - A participant as sent: their Opus packets and their camera's frames.
  void TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video);
  //  - The room as heard and seen: the full mix in Opus, encoded once, and
  //    the composite's VP8, the encode the participants get.
  void TapRoom(EncodedFrameTap audio, EncodedFrameTap video);
  //  - The room's program, raw: the full mix (S16LE, 48 kHz mono, 20 ms
  //    frames) and the composite picture.
  void TapProgram(EncodedFrameTap audio, EncodedFrameTap video);
  // Asks the participant's camera for a keyframe.
  void RequestCameraKeyframe(const std::string& participant);
  // Now on the room's timeline.
  GstClockTime RunningTime() const;

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
  void OnFullMix(std::span<const int16_t> samples) override;
  void OnFullMixPacket(std::span<const uint8_t> payload) override;
  void OnTick();
  // RoomVideo::Listener
  void OnCompositePacket(GstBuffer* packet) override;
  void OnH264CompositePacket(GstBuffer* packet) override;
  // One composite packet to every receiver of that codec.
  void FanOut(GstBuffer* packet, VideoCodec codec);
  void OnCameraKeyframeWanted(const std::string& participant) override;
  void OnCameraFailed(const std::string& participant, const std::string& reason) override;

  void OnRtp(Endpoint& endpoint, uint8_t* data, size_t length);
  void OnRtcp(Endpoint& endpoint, uint8_t* data, size_t length);
  void OnConnected(Endpoint& endpoint);
  Endpoint& Add(const std::string& participant, const std::string& name);
  // A later offer on a running transport (PROTOCOL.md: it renegotiates).
  void Renegotiate(Endpoint& endpoint, const GstSDPMessage& offer, const OfferSummary& summary,
                   const transport::RemoteTransport& remote);
  // Makes the room's video with the first participant who has video, or
  // for a tap on it; throws std::runtime_error.
  RoomVideo& EnsureVideo();
  // The full mix's running time: it was made from packets that waited in
  // the engine's jitter buffer, the composite's frames carry their
  // camera's arrival.
  GstClockTime MixRunningTime();
  void OnCameraPacket(Endpoint& endpoint, std::span<const uint8_t> packet, uint32_t ssrc);
  // Loss and jitter for /metrics: of what the participant sends us, from
  // the report we have just written them; of what we send them, from the
  // report blocks they sent about our streams.
  void CountOurReport(Endpoint& endpoint);
  void CountTheirReport(Endpoint& endpoint);
  // Sends the composite packet `packet` (payload type RoomVideo::kPayloadType)
  // to `endpoint` under its own payload type; false when it does not go.
  bool SendVideo(Endpoint& endpoint, std::span<const uint8_t> packet, bool retransmission);
  // Each participant's due NACKs and reports (RtcpSession), on the tick.
  void SendRtcp();
  // The REMB every camera is sent: its share of the composite.
  void UpdateCameraBitrates();
  // A PLI to the participant for their camera; `force` skips the rate limit.
  void RequestCameraKeyframe(Endpoint& endpoint, bool force);

  // Passed by argument.
  Listener& listener_;
  transport::MediaWorker& worker_;

  // Owned.
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  const Options options_;
  std::unique_ptr<MediaMetrics> ownMetrics_;  // when Options::metrics is null
  MediaMetrics& metrics_;
  MediaMetrics::WorkerCounters& counters_;  // this worker's, written on it alone
  const uint32_t videoSsrc_;  // the composite's, for every receiver
  const uint32_t h264Ssrc_;   // its H.264 encode's, for receivers that cannot take VP8
  AudioEngine audio_;
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;
  // Made with the first participant whose answer has video; destroyed
  // first (see the destructor).
  std::unique_ptr<RoomVideo> video_;
  std::unique_ptr<transport::RtpHistory> videoHistory_;  // the composite as sent, for NACKs
  std::unique_ptr<transport::RtpHistory> h264History_;
  GRef<GstClock> clock_;                                   // the system clock: the room's timeline
  const GstClockTime baseTime_;                            // Options::baseTime, or when the room was made
  GRef<GstCaps> opusCaps_;                                 // of a participant's packets, for taps
  GRef<GstCaps> mixOpusCaps_;
  GRef<GstCaps> mixRawCaps_;
  // The full mix's running times, from the engine's ticks: a tick that
  // runs a few ms late must not make its frame overlap the one before.
  RtpTimeline mixTimeline_{48000};
  EncodedFrameTap roomAudioTap_;
  EncodedFrameTap programAudioTap_;
  EncodedFrameTap roomVideoTap_;     // handed to the video once it exists
  EncodedFrameTap programVideoTap_;
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
