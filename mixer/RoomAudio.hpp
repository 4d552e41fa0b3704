// Drives a room's mix-minus in real time.
//
// Decoded audio of every participant arrives at an appsink (streaming
// threads) and is buffered in MixMinus. A tick thread of the room's own,
// paced on the monotonic clock that GStreamer's system clock also uses,
// mixes one 20 ms frame per tick and pushes each participant's
// sum-minus-own into that participant's appsrc, timestamped in the
// pipeline's running time.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mixer/GRef.hpp"
#include "mixer/MixMinus.hpp"
#include "mixer/SpeakerDetector.hpp"

namespace plenum::mixer {

class RoomAudio {
 public:
  // Called on the tick thread when the active speaker changes (empty
  // string: nobody). The receiver posts it on; it must not block.
  using SpeakerChanged = std::function<void(const std::string& participant)>;

  RoomAudio(GstElement* pipeline, SpeakerChanged onSpeakerChanged);
  ~RoomAudio();
  RoomAudio(const RoomAudio&) = delete;
  RoomAudio& operator=(const RoomAudio&) = delete;

  void AddParticipant(const std::string& participant);
  void RemoveParticipant(const std::string& participant);
  // Feeds the participant's decoded audio (S16LE, 48 kHz, mono) to the mix.
  void AttachInput(const std::string& participant, GstElement* appsink);
  // Where the participant's mix-minus goes (an appsrc with the same caps).
  void AttachOutput(const std::string& participant, GstElement* appsrc);
  // Where the sum of everyone goes (an appsrc with the same caps), or
  // nowhere (null): what a recording of the room hears.
  void AttachFullMixOutput(GstElement* appsrc);
  // Hands each full-mix frame (raw, MixCaps) to `tap` on the tick thread,
  // with its running time as made (not moved by MixDelay), or stops (empty).
  // What a broadcast encodes: no element in the room's pipeline. Once this
  // returns, an old tap is not called again.
  void SetFullMixTap(std::function<void(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime)> tap);

  static GRef<GstCaps> MixCaps();

  // How much later a mixed frame is timestamped than the active speaker's
  // sound in it (their running time, the timeline the composite's frames
  // keep). The mix takes its inputs as they come, not at their running
  // time: a jitterbuffer hands audio on early when nothing is missing and
  // late when it waits, each input's backlog adds to it, and each sender's
  // timeline sits differently; tens of ms either way. A recording of the
  // room takes it off its audio to keep the speaker's sound and picture
  // together. Any thread.
  GstClockTimeDiff MixDelay() const { return mixDelay_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void PushOutputs(GstClockTime pts);
  void TrackMixDelay(GstClockTimeDiff delay);

  // Passed by argument.
  GRef<GstElement> pipeline_;
  SpeakerChanged onSpeakerChanged_;

  // Owned.
  std::shared_ptr<MixMinus> mix_ = std::make_shared<MixMinus>();
  SpeakerDetector speakers_;
  std::atomic<GstClockTimeDiff> mixDelay_{0};
  bool mixDelayKnown_ = false;  // tick thread only
  std::vector<MixMinus::Output> frame_;  // tick thread only
  std::vector<int16_t> fullMix_;         // tick thread only

  std::mutex outputsMutex_;
  std::map<std::string, GRef<GstElement>> outputs_;
  GRef<GstElement> fullMixOutput_;
  std::function<void(GstBuffer*, GstCaps*, GstClockTime)> fullMixTap_;
  GRef<GstCaps> mixCaps_ = MixCaps();

  std::mutex stopMutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace plenum::mixer
