// The room's program encoded once for every broadcast output: the composite
// in H.264 and the full mix in AAC, in a pipeline of its own (so that an
// encoder that falls behind drops the program's frames, never the room's).
//
//   appsrc (raw composite) ─ videoconvert ─ x264enc ─ h264parse ─ fakesink
//   appsrc (raw full mix)  ─ audioconvert ─ audioresample ─ avenc_aac ─ fakesink
//                      taps on the encoders' output hand each frame to the outputs
//
// Frames come in with the room's running time and leave on the program's
// timeline: running time less `zero`. Control thread, except Push*, which
// any thread may call and which never block.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"

namespace plenum::broadcast {

using mixer::GRef;

struct EncodeSettings {
  int framerate = 30;               // the composite's
  int videoBitrateKbps = 2500;      // x264enc's bitrate, CBR-like (vbv)
  std::string preset = "veryfast";  // x264enc speed-preset
  int keyframeSeconds = 2;          // HLS segments and joining viewers wait at most this long
  int audioBitrate = 128'000;       // AAC, stereo 48 kHz
};

class ProgramEncode {
 public:
  // Each encoded frame: an H.264 access unit (SPS/PPS before every
  // keyframe) or an AAC frame (codec_data in the caps), with its time on
  // the program's timeline (not its PTS: an encoder may move its segment,
  // x264enc by 1000 hours). On an encoder's streaming thread; must not block.
  using FrameSink = std::function<void(bool video, GstBuffer* frame, GstCaps* caps, GstClockTime time)>;

  // Throws std::runtime_error when the pipeline cannot start.
  ProgramEncode(const std::string& room, const EncodeSettings& settings, GstClockTime zero, FrameSink sink);
  ~ProgramEncode();
  ProgramEncode(const ProgramEncode&) = delete;
  ProgramEncode& operator=(const ProgramEncode&) = delete;

  // Raw frames with their running time on the room's clock.
  void PushVideo(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime);
  void PushAudio(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime);
  // The next picture is a keyframe (an output starts).
  void RequestKeyframe();

  uint64_t droppedFrames() const { return dropped_.load(); }

 private:
  struct Input {
    GRef<GstElement> source;
    GRef<GstCaps> caps;  // as last set; the pushing thread only
  };
  void Push(Input& input, GstBuffer* frame, GstCaps* caps, GstClockTime runningTime);

  std::string room_;
  GstClockTime zero_;
  GRef<GstElement> pipeline_;
  GRef<GstElement> encoder_;
  Input video_;
  Input audio_;
  std::unique_ptr<mixer::PadTap> videoTap_;
  std::unique_ptr<mixer::PadTap> audioTap_;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace plenum::broadcast
