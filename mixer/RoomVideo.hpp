// A room's picture on the room's own transport (issue 10): one GstPipeline
// that decodes every participant's camera from the RTP that RoomMedia
// hands it, places it in the room's VideoComposite, and packetizes the
// composite's one VP8 encode for RoomMedia to send to every receiver.
//
//  camera RTP ─► appsrc ─ rtpjitterbuffer ─ rtpvp8depay ─ vp8dec ─ videoscale ─ videoconvert ─ caps(tile) ─ queue ─┐
//               (one bin per camera, camera-<id>)                                                          compositor
//  VideoComposite: compositor ─ … ─ vp8enc ─ tee ─ rtpvp8pay ─ appsink ─► composite RTP (to RoomMedia)  ◄─────────┘
//
// Every call, and every Listener call, happens on the media worker that
// owns the room; the pipeline's topology changes only there. GStreamer's
// threads (the appsink's callback, pad probes) never touch this object:
// they post to the worker, and a posted task runs only if what it is for
// (the room's video, or one camera) still exists then, which the worker
// itself decides, as it is also where both are destroyed. The destructor
// stops the pipeline (joining its threads) before anything goes.
//
// The rules ParticipantEndpoint learnt for the same chain behind webrtcbin
// hold here: frames are scaled to their tile before the compositor (which
// only places them, and runs force-live), a camera's chain is whole and
// started before it is linked to the compositor, a layout change holds
// the stream before videoscale while the tile's caps change, and a camera
// leaves by releasing its compositor pad, never by an unlink first.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/MediaOptions.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/PeriodicTimer.hpp"

namespace plenum::mixer {

class VideoComposite;

class RoomVideo {
 public:
  // The payload type the composite is packetized with; each receiver's
  // copy is rewritten to the one it negotiated.
  static constexpr uint8_t kPayloadType = 96;

  class Listener {
   public:
    virtual ~Listener() = default;
    // One RTP packet of the composite as the payloader made it (SSRC
    // Ssrc(), payload type kPayloadType), in order. Not to be changed.
    virtual void OnCompositePacket(GstBuffer* packet) = 0;
    // The participant's camera wants a keyframe: its depayloader or
    // decoder asked (a frame lost, or none decodable yet).
    virtual void OnCameraKeyframeWanted(const std::string& participant) = 0;
    // The participant's camera failed (a decoder that gave up, say) and was
    // taken out of the composite.
    virtual void OnCameraFailed(const std::string& participant, const std::string& reason) = 0;
  };

  struct Counters {
    uint64_t cameraPackets = 0;     // pushed into cameras
    uint64_t compositePackets = 0;  // handed to the listener
    uint64_t cameraKeyframeRequests = 0;
  };

  // On the worker. `name` names the pipeline (room-video-<name>). Throws
  // std::runtime_error when the pipeline cannot be built or started.
  RoomVideo(Listener& listener, transport::MediaWorker& worker, const MediaOptions& options, uint32_t ssrc,
            const std::string& name);
  ~RoomVideo();

  RoomVideo(const RoomVideo&) = delete;
  RoomVideo& operator=(const RoomVideo&) = delete;

  // A camera for the participant, whose RTP has `payloadType`; the
  // composite is laid out again, cameras in the order of `order` (the
  // room's join order, whenever each camera starts). Throws
  // std::runtime_error (nothing changed then).
  void AddCamera(const std::string& participant, int payloadType, uint64_t order);
  void RemoveCamera(const std::string& participant);
  bool HasCamera(const std::string& participant) const { return FindCamera(participant) != nullptr; }
  // One RTP packet of the participant's camera (copied); false when the
  // participant has no camera.
  bool PushCameraPacket(const std::string& participant, std::span<const uint8_t> packet);

  // A receiver wants a keyframe of the composite (rate limited by the
  // composite: one per keyframeMinIntervalMs, a refused one served later).
  void RequestKeyframe();

  uint32_t Ssrc() const { return ssrc_; }
  int Width() const;
  int Height() const;
  // The cameras' tiles, in layout order.
  std::vector<std::pair<std::string, Rect>> Tiles() const;
  const Counters& GetCounters() const { return counters_; }
  GstElement* Pipeline() const { return pipeline_.get(); }

 private:
  struct Camera;
  struct CameraRoute;

  Camera* FindCamera(const std::string& participant) const;
  void BuildCamera(Camera& camera, int payloadType);
  void TakeApart(Camera& camera);
  void Relayout();
  void ResizeTile(Camera& camera);
  void FinishTileResize(Camera& camera);
  void OnBusMessage(GstMessage* message);
  std::string CameraOf(GstObject* source) const;

  static GstFlowReturn OnNewSample(GstElement* sink, gpointer data);

  // Passed by argument.
  Listener& listener_;
  transport::MediaWorker& worker_;

  // Owned.
  const MediaOptions options_;
  const uint32_t ssrc_;
  const std::string name_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // tasks posted for the room's video check it
  GRef<GstElement> pipeline_;
  GRef<GSource> busWatch_;
  std::unique_ptr<VideoComposite> composite_;
  GRef<GstPad> encodedPad_;  // the composite tee's pad feeding our payloader
  GRef<GstElement> payloader_;
  GRef<GstElement> sink_;
  std::vector<std::unique_ptr<Camera>> cameras_;             // in layout order
  std::unique_ptr<transport::PeriodicTimer> keyframeTimer_;  // serves deferred keyframe requests

  // Others.
  Counters counters_;
};

}  // namespace plenum::mixer
