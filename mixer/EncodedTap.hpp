// Copies of a stream's encoded frames for whoever keeps or forwards them (a
// recording, later a broadcast), taken where the frames already exist: no
// element, queue or thread is added to the room's pipeline for them.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>

#include "mixer/GRef.hpp"

namespace plenum::mixer {

// Gets each encoded frame (an Opus packet, a VP8 frame, an H.264 access
// unit) with its caps and its running time (the pipeline clock's time at
// which it is due, the same timeline for every pad of the room; NONE when
// the pad has no time segment), on the streaming thread that carries it.
// The frame is only lent (ref it to keep it). Must not block.
using EncodedFrameTap = std::function<void(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime)>;

// A tap on one pad for as long as it lives. Any thread; once the
// destructor has returned, the tap is not called again.
class PadTap {
 public:
  PadTap(GstPad* pad, EncodedFrameTap tap);
  ~PadTap();
  PadTap(const PadTap&) = delete;
  PadTap& operator=(const PadTap&) = delete;

 private:
  struct Shared;
  static GstPadProbeReturn OnData(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  GRef<GstPad> pad_;
  gulong probe_ = 0;
  std::shared_ptr<Shared> shared_;
};

}  // namespace plenum::mixer
