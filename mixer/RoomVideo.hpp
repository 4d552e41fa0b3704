// A room's picture on the room's own transport (issue 10): one GstPipeline
// that decodes every participant's camera from the RTP that RoomMedia
// hands it, places it in the room's VideoComposite next to the name tiles
// of those without a camera, and packetizes the composite's VP8 encode
// (and, once a receiver needs it, its H.264 encode) for RoomMedia to send.
//
//  camera RTP ─► appsrc ─ rtpjitterbuffer ─ rtpvp8depay|rtph264depay ─ vp8dec|avdec_h264 ─ videoscale ─┐
//               (one bin per camera, camera-<id>)        └ PadTap (TapCamera)     videoconvert ─ caps(tile) ─ queue ─┐
//  name tile:   videotestsrc ─ caps(tile) ─ textoverlay(name) ─ imagefreeze ─ queue (bin name-<id>) ──────────────┤
//  VideoComposite: compositor ─ caps ─ raw tee ─ vp8enc ─ tee ─ rtpvp8pay ─ appsink ─► VP8 RTP       ◄─ compositor┘
//                   (TapRaw) ┘            └ x264enc ─ tee ─ rtph264pay ─ appsink ─► H.264 RTP (EnableH264)
//                                        (TapComposite) ┘
//
// Every participant has a tile (GridLayout over all of them, in their
// `order`): their name until their camera's first decoded frame reaches
// the compositor, then the camera; when the camera goes, the name again.
// A camera for a participant never added (AddCamera alone, as RoomMedia
// does) brings its participant with it, nameless, and takes it away again.
//
// The pipeline runs on the clock and base time it is given, with no start
// time of its own, so its running times are the room's one timeline (the
// audio engine stamps its frames with clock-now minus that base time): a
// camera's packets are stamped with their arrival on it, and the taps'
// running times are on it too.
//
// Every call, and every Listener call, happens on the media worker that
// owns the room; the pipeline's topology changes only there. GStreamer's
// threads (the appsinks' callbacks, pad probes) never touch this object:
// they post to the worker, and a posted task runs only if what it is for
// (the room's video, or one camera) still exists then, which the worker
// itself decides, as it is also where both are destroyed. The destructor
// stops the pipeline (joining its threads) before anything goes. Taps are
// the exception: they are called on the streaming threads that carry the
// frames (see EncodedFrameTap), and never again once the call that
// replaced them has returned.
//
// The rules the webrtcbin path learnt for the same chain
// hold here: frames are scaled to their tile before the compositor (which
// only places them, and runs force-live), a camera's chain is whole and
// started before it is linked to the compositor, a layout change holds
// the stream before videoscale while the tile's caps change (a name tile
// is built again at its new size instead), and a tile leaves by releasing
// its compositor pad, never by an unlink first.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/MediaMetrics.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/OfferInspector.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/PeriodicTimer.hpp"

namespace plenum::mixer {

class VideoComposite;

class RoomVideo {
 public:
  // The payload types the composite is packetized with, per codec; each
  // receiver's copy is rewritten to the one it negotiated.
  static constexpr uint8_t kPayloadType = 96;
  static constexpr uint8_t kH264PayloadType = 97;

  class Listener {
   public:
    virtual ~Listener() = default;
    // One RTP packet of the composite's VP8 stream as the payloader made
    // it (SSRC Ssrc(VideoCodec::VP8), payload type kPayloadType), in order.
    // Not to be changed.
    virtual void OnCompositePacket(GstBuffer* packet) = 0;
    // The same for the H.264 stream, once EnableH264 has started it (SSRC
    // Ssrc(VideoCodec::H264), payload type kH264PayloadType).
    virtual void OnH264CompositePacket(GstBuffer* /*packet*/) {}
    // The participant's camera wants a keyframe: its depayloader or
    // decoder asked (a frame lost, or none decodable yet), or a tap was
    // set on it.
    virtual void OnCameraKeyframeWanted(const std::string& participant) = 0;
    // The participant's camera failed (a decoder that gave up, say) and was
    // taken out of the composite.
    virtual void OnCameraFailed(const std::string& participant, const std::string& reason) = 0;
  };

  struct Counters {
    uint64_t cameraPackets = 0;         // pushed into cameras
    uint64_t compositePackets = 0;      // VP8, handed to the listener
    uint64_t h264CompositePackets = 0;  // H.264, handed to the listener
    uint64_t cameraKeyframeRequests = 0;
  };

  // On the worker. `name` names the pipeline (room-video-<name>). `ssrc`
  // is the VP8 stream's; `h264Ssrc` the H.264 stream's (0: one is drawn,
  // different from `ssrc`). With a `clock`, the pipeline runs on it with
  // `baseTime` and no start time; without one, on a clock and base time of
  // its own choosing. The composite's frames are counted into `frames`
  // (null: nowhere outside). Throws std::runtime_error when the pipeline
  // cannot be built or started.
  RoomVideo(Listener& listener, transport::MediaWorker& worker, const MediaOptions& options, uint32_t ssrc,
            const std::string& name, GstClock* clock = nullptr, GstClockTime baseTime = GST_CLOCK_TIME_NONE,
            uint32_t h264Ssrc = 0, CompositeFrameCounters* frames = nullptr);
  ~RoomVideo();

  RoomVideo(const RoomVideo&) = delete;
  RoomVideo& operator=(const RoomVideo&) = delete;

  // A tile for the participant, showing `name` until a camera shows; the
  // composite is laid out again, participants in the order of `order`
  // (the room's join order). Adding one already there changes its name
  // and order.
  void AddParticipant(const std::string& participant, const std::string& name, uint64_t order);
  // Its tile and camera go; so does its camera tap.
  void RemoveParticipant(const std::string& participant);

  // A camera for the participant, whose RTP has `payloadType` and carries
  // `codec`; a participant not added is added with no name at `order`
  // (and leaves with its camera). Nothing happens when the participant
  // has a camera already. Throws std::runtime_error (nothing changed then).
  void AddCamera(const std::string& participant, int payloadType, VideoCodec codec, uint64_t order);
  // A VP8 camera.
  void AddCamera(const std::string& participant, int payloadType, uint64_t order) {
    AddCamera(participant, payloadType, VideoCodec::VP8, order);
  }
  // The tile shows the participant's name again (or goes, for a
  // participant that came with its camera).
  void RemoveCamera(const std::string& participant);
  bool HasCamera(const std::string& participant) const;
  // One RTP packet of the participant's camera (copied); false when the
  // participant has no camera.
  bool PushCameraPacket(const std::string& participant, std::span<const uint8_t> packet);

  // Starts the composite's H.264 encode, packetized once, for receivers
  // that cannot take VP8; it stays until the room's video goes. Again:
  // nothing. Throws std::runtime_error when it cannot be built.
  void EnableH264();
  bool H264Enabled() const { return static_cast<bool>(h264Sink_); }

  // A receiver wants a keyframe of the composite in `codec` (rate limited
  // by the composite: one per keyframeMinIntervalMs, a refused one served
  // later; nothing for H.264 before EnableH264).
  void RequestKeyframe(VideoCodec codec = VideoCodec::VP8);

  // Copies of encoded or raw frames (see EncodedFrameTap), on the
  // streaming thread that carries them; an empty tap stops one, and once
  // the call has returned the tap it replaced is not called again.
  //
  // The participant's camera as sent: depayloaded VP8 frames or H.264
  // access units, from now on and whenever the camera (re)starts, until
  // the participant is removed. Setting one asks the sender for a
  // keyframe (Listener::OnCameraKeyframeWanted), so what is kept starts
  // decodable.
  void TapCamera(const std::string& participant, EncodedFrameTap tap);
  // The composite's VP8 encode, the one the receivers get; setting one
  // asks for a keyframe.
  void TapComposite(EncodedFrameTap tap);
  // The composite picture, raw (video/x-raw, I420 at the room's size), as
  // it enters its encoders.
  void TapRaw(EncodedFrameTap tap);

  uint32_t Ssrc(VideoCodec codec = VideoCodec::VP8) const { return codec == VideoCodec::H264 ? h264Ssrc_ : ssrc_; }
  int Width() const;
  int Height() const;
  // Every participant's tile, in layout order.
  std::vector<std::pair<std::string, Rect>> Tiles() const;
  const Counters& GetCounters() const { return counters_; }
  GstElement* Pipeline() const { return pipeline_.get(); }

 private:
  struct Camera;
  struct NameTile;
  struct Participant;
  struct CameraRoute;

  Participant* Find(const std::string& participant) const;
  Participant& Insert(std::unique_ptr<Participant> participant);
  void Erase(const std::string& participant);
  void BuildCamera(Participant& participant, Camera& camera, int payloadType);
  void TakeApart(Camera& camera);
  void ShowName(Participant& participant);
  void BuildNameTile(Participant& participant);
  void RemoveNameTile(Participant& participant);
  void OnCameraShowing(Participant& participant);
  void AttachCameraTap(Participant& participant);
  void Relayout();
  void ResizeTile(Participant& participant);
  void FinishTileResize(Participant& participant);
  void OnBusMessage(GstMessage* message);
  std::string CameraOf(GstObject* source) const;
  GRef<GstElement> AddSink(const char* name, VideoCodec codec);

  static GstFlowReturn OnNewSample(GstElement* sink, RoomVideo* video, VideoCodec codec);

  // Passed by argument.
  Listener& listener_;
  transport::MediaWorker& worker_;

  // Owned.
  const MediaOptions options_;
  const uint32_t ssrc_;
  const uint32_t h264Ssrc_;
  const std::string name_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // tasks posted for the room's video check it
  GRef<GstElement> pipeline_;
  GRef<GSource> busWatch_;
  std::unique_ptr<VideoComposite> composite_;
  GRef<GstPad> encodedPad_;  // the VP8 tee's pad feeding our payloader
  GRef<GstElement> payloader_;
  GRef<GstElement> sink_;
  GRef<GstPad> h264EncodedPad_;  // once EnableH264 has run
  GRef<GstElement> h264Payloader_;
  GRef<GstElement> h264Sink_;
  std::vector<std::unique_ptr<Participant>> participants_;  // in layout order
  std::map<std::string, EncodedFrameTap> cameraTaps_;       // by participant, camera or not
  std::unique_ptr<PadTap> compositeTap_;
  std::unique_ptr<PadTap> rawTap_;
  std::unique_ptr<transport::PeriodicTimer> keyframeTimer_;  // serves deferred keyframe requests

  // Others.
  Counters counters_;
};

}  // namespace plenum::mixer
