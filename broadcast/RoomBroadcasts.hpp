// A room's broadcasts: its outputs and the one program encode they share,
// which exists while at least one output runs.
//
//   room's program (raw) ─► ProgramEncode (H.264 + AAC, once) ─┬─► output (RTMP)
//                                                            ├─► output (SRT)
//                                                            └─► output (HLS)
//
// The room hands in its program through ProgramTaps() (raw full mix and
// composite, on its running time) and knows nothing else of what happens
// to it. Control thread, except the taps.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broadcast/BroadcastOutput.hpp"
#include "broadcast/ProgramEncode.hpp"

namespace plenum::broadcast {

struct BroadcastInfo {
  std::string id;
  std::string kind;      // rtmp, srt, hls
  std::string state;     // starting, live, retrying, failed, stopped
  std::string url;       // RTMP, SRT: with its secrets replaced by "***"
  std::string playlist;  // HLS: the playlist's path on this server
  std::string error;     // the last failure, in words
};

// A request refused before anything started.
struct BroadcastConflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct BroadcastNotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class RoomBroadcasts {
 public:
  struct Settings {
    std::string room;
    std::string hlsDirectory;  // this room's, created for its first HLS output
    std::string hlsPath;       // the playlist's path on this server
    EncodeSettings encode;
    int hlsSegmentSeconds = 2;
    unsigned hlsPlaylistLength = 6;
  };
  class Listener {
   public:
    virtual ~Listener() = default;
    // The room should start (true) or stop (false) handing its program to
    // ProgramTaps().
    virtual void OnProgramWanted(bool wanted) = 0;
    // An output started, changed state or stopped.
    virtual void OnBroadcastsChanged() = 0;
  };
  struct ProgramTaps {
    std::function<void(GstBuffer*, GstCaps*, GstClockTime)> audio;
    std::function<void(GstBuffer*, GstCaps*, GstClockTime)> video;
  };

  RoomBroadcasts(Settings settings, GMainContext* control, Listener& listener);
  ~RoomBroadcasts();  // StopAll()s; removes the room's HLS files
  RoomBroadcasts(const RoomBroadcasts&) = delete;
  RoomBroadcasts& operator=(const RoomBroadcasts&) = delete;

  // Throws BadBroadcastRequest, BroadcastConflict (a second HLS output), or
  // std::runtime_error when the media cannot start; nothing changes then.
  // `now`: the room's running time, where the program starts.
  BroadcastInfo Start(const std::string& kind, const std::string& url, GstClockTime now);
  // Throws BroadcastNotFound.
  void Stop(const std::string& id);
  // Every output ends (streams closed, playlist ended); they stay listed.
  void StopAll();

  std::vector<BroadcastInfo> List() const;
  // Kinds of the outputs that are live, in order of their start.
  std::vector<std::string> LiveKinds() const;
  bool running() const;  // any output not stopped
  // The HLS playlist and segments' directory while the room has an HLS
  // output (running or stopped), else empty.
  std::string HlsDirectory() const;

  // What the room pushes its program into (any thread, never blocks).
  ProgramTaps Taps();

 private:
  struct Fanout;  // the encode's frames to the outputs, across threads
  BroadcastInfo Describe(const BroadcastOutput& output) const;
  void OnOutputChanged();
  void StopEncodeIfIdle();

  GMainContext* control_;
  Listener& listener_;
  Settings settings_;
  bool closing_ = false;                                   // the destructor runs: the listener is told nothing
  std::vector<std::unique_ptr<BroadcastOutput>> outputs_;  // in order of start
  std::shared_ptr<Fanout> fanout_;
};

}  // namespace plenum::broadcast
