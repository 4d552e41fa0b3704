// The room's one composite picture and its encodes, one per codec.
//
//   videotestsrc(black, live) ─┐
//   participant tiles ─────────┼─ compositor ─ capsfilter ─ tee ─┬─ vp8enc ─ tee ─ (VP8 receivers)
//                              ┘                                   └─ queue ─ x264enc ─ tee ─ (H.264 receivers)
//
// The black live source paces the compositor, so the room has a picture
// (and receivers a stream) even before anyone sends video. Tiles arrive
// already scaled (see RoomVideo); the compositor only places them.
// VP8 is always encoded; the H.264 encode is added when the room's first
// receiver that cannot take VP8 arrives, and stays until the room closes.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/KeyframeLimiter.hpp"
#include "mixer/MediaMetrics.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {

class VideoComposite {
 public:
  // Frames encoded and dropped are counted into `frames` (null: counters
  // of its own), from the encoders' streaming threads.
  VideoComposite(GstBin* pipeline, const MediaOptions& options, CompositeFrameCounters* frames = nullptr);
  ~VideoComposite();
  VideoComposite(const VideoComposite&) = delete;
  VideoComposite& operator=(const VideoComposite&) = delete;

  // A compositor input for one tile; the caller links it and gives it back.
  GRef<GstPad> RequestTilePad(const std::string& name);
  void ReleaseTilePad(const GRef<GstPad>& pad);
  static void PlaceTile(GstPad* pad, const Rect& rect);
  // Configures a queue in front of a low-latency tile source.
  static void SetLatencyHeadroom(GstElement* queue);

  // A branch of the encoded stream in `codec` for one receiver. Control
  // thread (the first H.264 request changes the pipeline).
  GRef<GstPad> RequestEncodedPad(VideoCodec codec);
  void ReleaseEncodedPad(VideoCodec codec, const GRef<GstPad>& pad);

  // Where the VP8 encode leaves the encoder (for taps: a recording shares
  // the participants' encode).
  GRef<GstPad> Vp8EncodedPad() const;
  // Where the composite picture, raw, enters its encoders (for taps: a
  // broadcast encodes it its own way).
  GRef<GstPad> RawPad() const;

  // Asks that codec's encoder for a keyframe, subject to its rate limit (a
  // deferred request is served by ServeDeferredKeyframe, which the owner
  // calls on a timer).
  void RequestKeyframe(VideoCodec codec);
  void ServeDeferredKeyframe();

  int width() const { return options_.videoWidth; }
  int height() const { return options_.videoHeight; }

 private:
  // One encode of the composite and the tee its receivers hang off.
  struct Encode {
    GRef<GstElement> tee;
    std::shared_ptr<KeyframeLimiter> limiter;
  };

  // `encoded`: where its frames are counted.
  Encode MakeEncode(GstElement* encoder, const std::string& teeName, std::atomic<uint64_t>& encoded);
  // Counts each frame leaving `encoder`, and the frames missing before it.
  void CountFrames(GstElement* encoder, std::atomic<uint64_t>& encoded);
  void AddH264Encode();
  Encode* EncodeOf(VideoCodec codec) { return codec == VideoCodec::H264 ? h264_.get() : &vp8_; }
  static GstPadProbeReturn OnUpstreamEvent(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  GstBin* pipeline_;
  MediaOptions options_;
  CompositeFrameCounters ownFrames_;
  CompositeFrameCounters& frames_;
  GRef<GstElement> compositor_;
  GRef<GstElement> rawTee_;
  Encode vp8_;
  std::unique_ptr<Encode> h264_;  // made on demand
};

}  // namespace plenum::mixer
