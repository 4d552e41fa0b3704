// The room as heard, encoded once: the sum of everyone's audio (no one's
// own voice taken out) in Opus, for a recording and anything else that
// needs the whole room (a broadcast can share it).
//
//   RoomAudio (full mix) ─ appsrc ─ opusenc ─ fakesink
//                                          └ tap (PadTap on opusenc's src)
//
// Made while something taps it and removed after; control thread.
#pragma once

#include <gst/gst.h>

#include <memory>

#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"

namespace plenum::mixer {

class RoomAudio;

class FullMixEncode {
 public:
  FullMixEncode(GstBin* pipeline, RoomAudio& audio, int bitrate, EncodedFrameTap tap);
  ~FullMixEncode();
  FullMixEncode(const FullMixEncode&) = delete;
  FullMixEncode& operator=(const FullMixEncode&) = delete;

 private:
  GstBin* pipeline_;
  RoomAudio& audio_;
  GRef<GstElement> source_;
  GRef<GstElement> encoder_;
  GRef<GstElement> sink_;
  std::unique_ptr<PadTap> tap_;
};

}  // namespace plenum::mixer
