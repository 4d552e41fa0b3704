// One room's GStreamer pipeline: the shared composite, the mix-minus, and
// one ParticipantEndpoint per participant.
//
// Control thread only. Upward events go to the Listener, keyed by
// participant id; the room above knows nothing of GStreamer and this class
// knows nothing of sockets or JSON.
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mixer/ControlContext.hpp"
#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/OfferInspector.hpp"
#include "mixer/ParticipantEndpoint.hpp"

namespace plenum::mixer {

class FullMixEncode;
class RoomAudio;
class VideoComposite;

class RoomPipeline : private ParticipantEndpoint::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAnswer(const std::string& participant, const std::string& sdp) = 0;
    // An empty `candidate` means the server has gathered all of them.
    virtual void OnCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                             const std::string& candidate) = 0;
    virtual void OnNegotiationFailed(const std::string& participant, bool badOffer, const std::string& reason) = 0;
    // An empty `participant` means nobody is speaking.
    virtual void OnSpeakerChanged(const std::string& participant) = 0;
    // A participant's media failed for good: the room should drop them.
    virtual void OnParticipantMediaError(const std::string& participant, const std::string& reason) = 0;
    // The room's shared media failed: the room cannot go on.
    virtual void OnRoomMediaError(const std::string& reason) = 0;
    // A participant's connection, for its timeline (see
    // ParticipantEndpoint::Listener).
    virtual void OnIceState(const std::string& participant, const std::string& state) = 0;
    virtual void OnPeerConnectionState(const std::string& participant, const std::string& state) = 0;
    virtual void OnSelectedPair(const std::string& participant, const SelectedPair& pair) = 0;
    virtual void OnFirstMedia(const std::string& participant, MediaKind kind, bool incoming) = 0;
  };

  RoomPipeline(const std::string& roomId, const MediaOptions& options, GMainContext* control, Listener& listener);
  ~RoomPipeline() override;
  RoomPipeline(const RoomPipeline&) = delete;
  RoomPipeline& operator=(const RoomPipeline&) = delete;

  // Participants appear in the composite in the order they were added.
  void AddParticipant(const std::string& participant, const std::string& name);
  void RemoveParticipant(const std::string& participant);
  // Throws OfferError for an offer the room cannot use; nothing changes then.
  void ApplyOffer(const std::string& participant, const std::string& sdp);
  void AddRemoteCandidate(const std::string& participant, unsigned mlineIndex, const std::string& candidate);

  // The room as heard (the full mix, in Opus, encoded once while tapped)
  // and seen (the composite's VP8, the encode the participants get), for a
  // recording; empty taps stop them. Taps start with a keyframe request.
  void TapRoom(EncodedFrameTap audio, EncodedFrameTap video);
  // The room's program for a broadcast: the full mix and the composite
  // picture, raw (S16LE 48 kHz mono in 20 ms frames; the composite's
  // video/x-raw), each frame with its running time on the composite's
  // timeline; no element is added for them. Empty taps stop them. The
  // audio tap runs on the mix's tick thread, the video tap on the
  // compositor's: neither may block.
  void TapProgram(EncodedFrameTap audio, EncodedFrameTap video);
  // What one participant sends, as sent (see ParticipantEndpoint::SetTaps).
  void TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video);

  // The pipeline's running time now: the timeline its buffers carry.
  GstClockTime RunningTime() const;
  // Asks the participant's camera for a keyframe.
  void RequestParticipantKeyframe(const std::string& participant);
  // The participant's RTP so far; nothing for one the room does not have.
  std::optional<ParticipantEndpoint::Counts> ParticipantCounts(const std::string& participant) const;

  GstElement* pipeline() const { return pipeline_.get(); }

 private:
  void Relayout();
  ParticipantEndpoint* Find(const std::string& participant) const;
  std::string ParticipantOf(GstObject* source) const;
  void OnBusMessage(GstMessage* message);

  // ParticipantEndpoint::Listener
  void OnLocalAnswer(ParticipantEndpoint& endpoint, const std::string& sdp) override;
  void OnLocalCandidate(ParticipantEndpoint& endpoint, unsigned mlineIndex, const std::string& mid,
                        const std::string& candidate) override;
  void OnNegotiationFailed(ParticipantEndpoint& endpoint, bool badOffer, const std::string& reason) override;
  void OnIceState(ParticipantEndpoint& endpoint, const std::string& state) override;
  void OnPeerConnectionState(ParticipantEndpoint& endpoint, const std::string& state) override;
  void OnSelectedPair(ParticipantEndpoint& endpoint, const SelectedPair& pair) override;
  void OnFirstMedia(ParticipantEndpoint& endpoint, MediaKind kind, bool incoming) override;

  // Passed by argument.
  GMainContext* control_;
  Listener& listener_;

  // Owned.
  std::string roomId_;
  MediaOptions options_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  ControlPoster poster_;
  GRef<GstElement> pipeline_;
  GRef<GSource> busWatch_;
  GRef<GSource> keyframeTimer_;
  std::unique_ptr<VideoComposite> video_;
  std::unique_ptr<RoomAudio> audio_;
  std::unique_ptr<FullMixEncode> fullMix_;  // while tapped
  std::unique_ptr<PadTap> compositeTap_;
  std::unique_ptr<PadTap> programVideoTap_;  // while broadcast
  std::vector<std::unique_ptr<ParticipantEndpoint>> endpoints_;  // in join order
};

}  // namespace plenum::mixer
