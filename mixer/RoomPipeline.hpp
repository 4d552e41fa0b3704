// One room's GStreamer pipeline: the shared composite, the mix-minus, and
// one ParticipantEndpoint (a webrtcbin) per participant. The room engine
// of `media-engine = webrtcbin`; RoomMediaHost is its successor.
//
// Control thread only. Upward events go to the Listener, keyed by
// participant id.
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
#include "mixer/RoomEngine.hpp"

namespace plenum::mixer {

class FullMixEncode;
class RoomAudio;
class VideoComposite;

class RoomPipeline final : public RoomEngine, private ParticipantEndpoint::Listener {
 public:
  using Listener = RoomEngine::Listener;

  RoomPipeline(const std::string& roomId, const MediaOptions& options, GMainContext* control, Listener& listener);
  ~RoomPipeline() override;
  RoomPipeline(const RoomPipeline&) = delete;
  RoomPipeline& operator=(const RoomPipeline&) = delete;

  // RoomEngine
  void AddParticipant(const std::string& participant, const std::string& name) override;
  void RemoveParticipant(const std::string& participant) override;
  void ApplyOffer(const std::string& participant, const std::string& sdp) override;
  void AddRemoteCandidate(const std::string& participant, unsigned mlineIndex,
                          const std::string& candidate) override;

  void TapRoom(EncodedFrameTap audio, EncodedFrameTap video) override;
  void TapProgram(EncodedFrameTap audio, EncodedFrameTap video) override;
  void TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) override;
  GstClockTime RunningTime() const override;
  void RequestParticipantKeyframe(const std::string& participant) override;
  std::optional<ParticipantCounts> Counts(const std::string& participant) const override;

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
