// The room's one composite picture and its one encoder.
//
//   videotestsrc(black, live) ─┐
//   participant tiles ─────────┼─ compositor ─ capsfilter ─ vp8enc ─ tee ─┬─ (participant branches)
//                              ┘                                            └─ ...
//
// The black live source paces the compositor, so the room has a picture
// (and receivers a stream) even before anyone sends video. Tiles arrive
// already scaled (see ParticipantEndpoint); the compositor only places them.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/KeyframeLimiter.hpp"
#include "mixer/MediaOptions.hpp"

namespace plenum::mixer {

class VideoComposite {
 public:
  VideoComposite(GstBin* pipeline, const MediaOptions& options);
  ~VideoComposite();
  VideoComposite(const VideoComposite&) = delete;
  VideoComposite& operator=(const VideoComposite&) = delete;

  // A compositor input for one tile; the caller links it and gives it back.
  GRef<GstPad> RequestTilePad(const std::string& name);
  void ReleaseTilePad(const GRef<GstPad>& pad);
  static void PlaceTile(GstPad* pad, const Rect& rect);
  // Configures a queue in front of a low-latency tile source.
  static void SetLatencyHeadroom(GstElement* queue);

  // A branch of the encoded VP8 stream for one receiver.
  GRef<GstPad> RequestEncodedPad();
  void ReleaseEncodedPad(const GRef<GstPad>& pad);

  // Asks the encoder for a keyframe, subject to the rate limit (a deferred
  // request is served by ServeDeferredKeyframe, which the owner calls on a
  // timer).
  void RequestKeyframe();
  void ServeDeferredKeyframe();

  int width() const { return options_.videoWidth; }
  int height() const { return options_.videoHeight; }

 private:
  static GstPadProbeReturn OnUpstreamEvent(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  MediaOptions options_;
  GRef<GstElement> compositor_;
  GRef<GstElement> encoder_;
  GRef<GstElement> tee_;
  std::shared_ptr<KeyframeLimiter> limiter_;
};

}  // namespace plenum::mixer
