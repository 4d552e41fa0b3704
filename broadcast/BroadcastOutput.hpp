// One broadcast output: the program's encoded frames muxed and sent to one
// place (an RTMP or SRT server, or HLS files), by a pipeline of its own, so
// that an output that fails or stalls touches neither the room nor the
// other outputs.
//
//   RTMP: appsrc ─ h264parse ─┐                  (avc)
//         appsrc ─ aacparse  ─┴ flvmux ─ rtmp2sink
//   SRT:  appsrc ─ h264parse ─┐
//         appsrc ─ aacparse  ─┴ mpegtsmux ─ srtsink (caller)
//   HLS:  appsrc ─ h264parse ─┐
//         appsrc ─ aacparse  ─┴ hlssink2 (MPEG-TS segments, live playlist)
//
// Each attempt starts at a keyframe with its own timeline from 0. An RTMP
// or SRT output that cannot reach its server, or loses it, is `retrying`:
// it tears its pipeline down and tries again after 1 s, doubling to 30 s,
// until stopped; it is `live` once the server takes the stream (RTMP, SRT:
// the sink has sent a buffer; HLS: the first segment is in the playlist).
//
// Control thread, except Push.
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "broadcast/BroadcastTarget.hpp"
#include "mixer/ControlContext.hpp"
#include "mixer/GRef.hpp"

namespace plenum::broadcast {

using mixer::GRef;

enum class OutputState { Starting, Live, Retrying, Failed, Stopped };
const char* StateName(OutputState state);

class BroadcastOutput {
 public:
  struct Settings {
    std::string id;
    std::string room;
    BroadcastTarget target;
    std::string hlsDirectory;  // HLS: where the playlist and segments go
    std::string hlsPlaylist;   // HLS: the playlist's file name in it
    int hlsSegmentSeconds = 2;
    unsigned hlsPlaylistLength = 6;
  };
  // On the control thread after the state changed.
  using StateHandler = std::function<void()>;

  // `requestKeyframe`: asks the program's encoder for a keyframe (an
  // attempt starts with one).
  BroadcastOutput(Settings settings, GMainContext* control, std::function<void()> requestKeyframe,
                  StateHandler onStateChanged);
  ~BroadcastOutput();  // Stop()s
  BroadcastOutput(const BroadcastOutput&) = delete;
  BroadcastOutput& operator=(const BroadcastOutput&) = delete;

  // One encoded frame of the program (see ProgramEncode::FrameSink). Any
  // thread; never blocks (what the server cannot take in time is dropped,
  // and the picture starts again at the next keyframe).
  void Push(bool video, GstBuffer* frame, GstCaps* caps, GstClockTime time);

  // Makes the first attempt. Apart from the constructor: a first attempt
  // that fails at once changes the state, and the owner must know the
  // output by then.
  void Start();

  // Ends the stream (the muxer's end, the playlist's #EXT-X-ENDLIST) and
  // closes the connection; waits at most a few seconds for that.
  void Stop();

  const Settings& settings() const { return settings_; }
  OutputState state() const { return state_; }
  const std::string& error() const { return error_; }  // the last failure, in words

 private:
  struct Attempt;
  static GstBusSyncReply OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);
  static GstPadProbeReturn OnSinkBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  void StartAttempt();
  std::shared_ptr<Attempt> BuildAttempt();
  void EndAttempt(bool drain);
  void OnLive(uint64_t generation);
  void OnFailure(uint64_t generation, const std::string& reason);
  void SetState(OutputState state);

  // Passed by argument.
  std::function<void()> requestKeyframe_;
  StateHandler onStateChanged_;

  // Owned.
  Settings settings_;
  GMainContext* control_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  mixer::ControlPoster poster_;
  OutputState state_ = OutputState::Starting;
  std::string error_;
  GRef<GSource> retryTimer_;
  unsigned retryDelaySeconds_ = 1;
  uint64_t generation_ = 0;  // control thread: the current attempt's

  std::mutex mutex_;  // guards attempt_ between Push and the control thread
  std::shared_ptr<Attempt> attempt_;
};

}  // namespace plenum::broadcast
