// One participant's media: a bin with its webrtcbin and every branch that
// carries its streams to and from the room.
//
//  to the participant:  RoomAudio ─ appsrc ─ opusenc ─ rtpopuspay ──────┐
//                       composite tee ─ queue ─ rtpvp8pay ─────────────┤ webrtcbin
//  from the participant: webrtcbin ─ rtpopusdepay ─ opusdec ─ … ─ appsink ─ RoomAudio
//                        webrtcbin ─ depay ─ decoder ─ videoscale ─ … ─ compositor tile
//  until video arrives:  videotestsrc ─ textoverlay(name) ─ imagefreeze ─ queue ─ compositor tile
//
// Elements are named after the participant (`opusenc-<id>`) so pipeline
// dumps read well. Lives on the control thread; webrtcbin callbacks post
// back to it and are dropped if the endpoint is gone by then.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mixer/ControlContext.hpp"
#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/OfferInspector.hpp"
#include "mixer/RoomEngine.hpp"
#include "mixer/RtpCounter.hpp"
#include "mixer/WebrtcReport.hpp"

namespace plenum::mixer {

class RoomAudio;
class VideoComposite;

class ParticipantEndpoint {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnLocalAnswer(ParticipantEndpoint& endpoint, const std::string& sdp) = 0;
    // An empty `candidate` means gathering is complete.
    virtual void OnLocalCandidate(ParticipantEndpoint& endpoint, unsigned mlineIndex, const std::string& mid,
                                  const std::string& candidate) = 0;
    // `badOffer`: the client's description was refused (the client's fault)
    // rather than something failing on our side.
    virtual void OnNegotiationFailed(ParticipantEndpoint& endpoint, bool badOffer, const std::string& reason) = 0;
    // How the connection comes along, for the participant's timeline, in
    // webrtc's words (WebrtcReport.hpp); changes only.
    virtual void OnIceState(ParticipantEndpoint& endpoint, const std::string& state) = 0;
    virtual void OnPeerConnectionState(ParticipantEndpoint& endpoint, const std::string& state) = 0;
    virtual void OnSelectedPair(ParticipantEndpoint& endpoint, const SelectedPair& pair) = 0;
    // The first RTP packet of a kind from the participant (`incoming`), or
    // to it once its connection is up.
    virtual void OnFirstMedia(ParticipantEndpoint& endpoint, MediaKind kind, bool incoming) = 0;
  };

  // RTP packets and bytes so far, counted at webrtcbin's pads (zeros for a
  // stream that never was).
  using Counts = ParticipantCounts;

  ParticipantEndpoint(GstBin* pipeline, RoomAudio& audio, VideoComposite& video, const MediaOptions& options,
                      GMainContext* control, Listener& listener, std::string id, std::string name);
  ~ParticipantEndpoint();
  ParticipantEndpoint(const ParticipantEndpoint&) = delete;
  ParticipantEndpoint& operator=(const ParticipantEndpoint&) = delete;

  const std::string& id() const { return id_; }

  // Applies a client offer that InspectOffer accepted; the answer comes
  // back through Listener::OnLocalAnswer.
  void ApplyOffer(const OfferSummary& summary, const std::string& sdp);
  void AddRemoteCandidate(unsigned mlineIndex, const std::string& candidate);
  // Places this participant's tile in the composite.
  void SetTile(const Rect& tile);
  // Copies of what the participant sends, as sent (depayloaded, not
  // decoded), from now on and for streams that arrive later; empty taps
  // stop them. A video tap asks the sender for a keyframe, so that what
  // it keeps starts decodable.
  void SetTaps(EncodedFrameTap audio, EncodedFrameTap video);
  // Asks the participant's camera for a keyframe (nothing before its video
  // arrives).
  void RequestKeyframe();
  // Any thread, lock-free.
  Counts ReadCounts() const;

 private:
  enum class InputState { None, Linking, Active };

  void ConfigureIce();
  void ConnectSignals();
  void BuildNameTile();
  void RemoveNameTile();
  void BuildOutgoing(const OfferSummary& summary);
  GRef<GstPad> RequestWebrtcSinkPad(GstCaps* codecs);
  void UpdateSendPayloadTypes(const OfferSummary& summary);
  void LinkIncoming(const GRef<GstPad>& pad, gulong blockProbe);
  void BuildAudioInput(const GRef<GstPad>& pad);
  void BuildVideoInput(const GRef<GstPad>& pad, const std::string& encoding);
  GRef<GstCaps> VideoTileCaps() const;
  void ResizeVideoTile();
  void FinishVideoTileResize();
  void WatchOutgoingStart(GstPad* webrtcSink);
  void AttachTaps();
  void OnOutgoingStarted();
  void SetRemoteOffer();
  void CreateAnswer();
  void SetLocalAnswer(SessionDescriptionPtr answer);
  void CountRtp(std::unique_ptr<RtpCounter>& counter, GstPad* pad, MediaKind kind, bool incoming);
  void ReportIceState(const std::string& state);
  void ReportPeerConnectionState(const std::string& state);
  void QuerySelectedPair();

  GRef<GstElement> Add(const char* factory, const std::string& role);
  GRef<GstPad> Ghost(GstElement* element, const char* padName, const std::string& ghostName);

  static void OnPadAdded(GstElement* webrtc, GstPad* pad, gpointer data);
  static void OnIceCandidate(GstElement* webrtc, guint mline, gchar* candidate, gpointer data);
  static void OnGatheringState(GstElement* webrtc, GParamSpec*, gpointer data);
  static void OnConnectionState(GstElement* webrtc, GParamSpec*, gpointer data);
  static void OnIceConnectionState(GstElement* webrtc, GParamSpec*, gpointer data);
  static void OnStatsReply(GstPromise* promise, gpointer data);
  static void OnRemoteDescriptionSet(GstPromise* promise, gpointer data);
  static void OnAnswerCreated(GstPromise* promise, gpointer data);

  // Passed by argument.
  GstBin* pipeline_;
  RoomAudio& audio_;
  VideoComposite& video_;
  const MediaOptions& options_;
  Listener& listener_;

  // Owned.
  std::string id_;
  std::string name_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  ControlPoster poster_;
  GRef<GstElement> bin_;
  GRef<GstElement> webrtc_;
  GRef<GstPad> encodedPad_;    // tee pad feeding our video out
  GRef<GstPad> nameTilePad_;   // compositor pad of the name tile
  GRef<GstPad> videoTilePad_;  // compositor pad of the camera tile
  GRef<GstElement> videoScale_;
  GRef<GstElement> videoTileCaps_;
  gulong tileResizeProbe_ = 0;
  GRef<GstElement> audioDepay_;  // once the participant's audio arrives
  GRef<GstElement> videoDepay_;
  EncodedFrameTap audioTap_;
  EncodedFrameTap videoTap_;
  std::unique_ptr<PadTap> audioPadTap_;
  std::unique_ptr<PadTap> videoPadTap_;
  GRef<GstElement> audioPayloader_;
  GRef<GstElement> videoPayloader_;
  VideoCodec videoCodec_ = VideoCodec::VP8;  // of the composite we send
  std::vector<GRef<GstElement>> nameTileElements_;
  std::pair<int, int> nameTileSize_;
  std::vector<std::string> mids_;
  OfferSummary lastOffer_;
  SdpMessagePtr lastOfferSdp_;
  SdpMessagePtr pendingOffer_;      // applied once our outgoing streams started
  gint64 offerReceivedAt_ = 0;      // monotonic, for the log
  int outgoingStarting_ = 0;        // outgoing streams not yet started at webrtcbin
  GRef<GSource> outgoingDeadline_;  // set while the first offer waits for them
  std::optional<Rect> tile_;
  bool outgoingBuilt_ = false;
  InputState audioIn_ = InputState::None;
  InputState videoIn_ = InputState::None;
  // RTP at webrtcbin's pads: what the participant sends (its src pads) and
  // what it is sent (its sink pads).
  std::unique_ptr<RtpCounter> audioInCounter_;
  std::unique_ptr<RtpCounter> videoInCounter_;
  std::unique_ptr<RtpCounter> audioOutCounter_;
  std::unique_ptr<RtpCounter> videoOutCounter_;
  std::string iceState_;  // as last reported
  std::string peerState_;
  int pairQueries_ = 0;  // get-stats asked for the selected pair
  bool pairKnown_ = false;
};

}  // namespace plenum::mixer
