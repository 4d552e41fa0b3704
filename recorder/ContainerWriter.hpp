// One archive file, or one series of segments, written from encoded frames
// by a small pipeline of its own, so that a disk that stalls or fails
// holds up and breaks only the recording, never the room:
//
//   appsrc (per track) ─ [h264parse] ─ webmmux | matroskamux ─ filesink
//   appsrc (per track) ─────────────── splitmuxsink(webmmux, filesink)   (segmented)
//
// Crash safety: the muxer is streamable (nothing is written back into the
// file later, no index or duration to finish) and the file sink writes
// through (no user-space buffer), so what reached the muxer is in the file
// even if the server is killed; a file cut off mid-cluster plays up to
// that cluster. Timestamps stay on the room's timeline, less `zero`, so
// every file of a recording lines up with the others.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mixer/ControlContext.hpp"
#include "mixer/GRef.hpp"

namespace plenum::recorder {

using mixer::GRef;

enum class TrackKind { Audio, Video };

class ContainerWriter {
 public:
  struct Options {
    std::string location;            // a file, or for segments a pattern with one %05d
    GstClockTime segmentLength = 0;  // 0: one file
    bool matroska = false;           // Matroska rather than WebM (for H.264)
    GstClockTime zero = 0;           // room running time that becomes 0
  };
  // What happened to the files, on the control thread: "segment-opened"
  // and "segment-closed" (detail: the file's path), "error" (detail: what
  // failed). After an error nothing more is written.
  using EventHandler = std::function<void(const std::string& event, const std::string& detail)>;

  // Throws std::runtime_error when the pipeline cannot be made or started.
  ContainerWriter(const std::string& name, Options options, std::vector<TrackKind> tracks, GMainContext* control,
                  EventHandler onEvent);
  ~ContainerWriter();  // Finish()es if not done
  ContainerWriter(const ContainerWriter&) = delete;
  ContainerWriter& operator=(const ContainerWriter&) = delete;

  // One encoded frame of `track` (an index into the constructor's tracks),
  // with its caps and its running time on the room's clock (the frame's
  // own PTS is in its pad's segment, which differs from pad to pad); any
  // thread, never blocks (a queue that the disk cannot keep up with drops
  // its oldest). Video starts at its first keyframe.
  void Write(size_t track, GstBuffer* frame, GstCaps* caps, GstClockTime runningTime);

  // Ends every track, waits (a few seconds at most) for the muxer to write
  // what it holds, and closes the files. Control thread.
  void Finish();

  // The segment being written, if any (segmented writers).
  std::string OpenSegment() const;

  // Frames dropped so far because the writer fell behind or failed.
  uint64_t dropped() const { return dropped_; }

 private:
  struct Track {
    TrackKind kind;
    GRef<GstElement> source;
    std::mutex mutex;
    bool capsSet = false;
    bool started = false;  // writing (video: from a keyframe, again after a drop)
    GstClockTime nextPts = 0;  // the earliest timestamp the next frame may have
  };
  static GstBusSyncReply OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);
  static GstBusSyncReply Route(ContainerWriter* writer, GstMessage* message);

  std::string name_;
  Options options_;
  std::vector<std::unique_ptr<Track>> tracks_;
  GRef<GstElement> pipeline_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  mixer::ControlPoster poster_;
  EventHandler onEvent_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> finished_{false};
  mutable std::mutex segmentMutex_;
  std::string openSegment_;
};

}  // namespace plenum::recorder
