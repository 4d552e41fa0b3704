// One recording of one room: its directory, its journal, and the files it
// writes while the room runs.
//
//   <recordings-dir>/<id>/
//     journal.jsonl                 the hash chain, entry by entry as things happen
//     room-00000.webm, -00001, …    the room as heard and seen: the full mix (Opus)
//                                   and the composite (VP8), in segments
//     <participant>.audio.webm      each participant's own streams as sent, one
//     <participant>.video.webm|mkv  file per stream per connection (H.264: Matroska)
//     manifest.json                 once sealed
//
// Every file is on the room's timeline from the recording's start, so a
// participant's file lines up with the room's without offsets. Streams of
// a participant get their file when their first frame arrives (so that
// its container fits the codec, and a stream never sent makes no file).
//
// Control thread, except the taps, which streaming threads call.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "mixer/ControlContext.hpp"
#include "recorder/ArchiveJournal.hpp"
#include "recorder/ContainerWriter.hpp"

namespace plenum::recorder {

class ArchiveKey;

class RoomRecording {
 public:
  // Gets encoded frames with their caps and running time on the room's
  // clock; any thread, never blocks.
  using FrameTap = std::function<void(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime)>;

  struct Settings {
    std::string recordingsDir;
    std::string room;
    GstClockTime zero = 0;  // the room's running time at the start
    GstClockTime segmentLength = 600 * GST_SECOND;
  };
  class Listener {
   public:
    virtual ~Listener() = default;
    // The recording failed for good (it is sealed as failed by then).
    virtual void OnRecordingFailed(const std::string& reason) = 0;
    // A participant's video file is ready: it needs a keyframe to start.
    virtual void OnParticipantVideoReady(const std::string& participant) = 0;
  };

  // Makes the directory, the journal and the room's files. Throws
  // std::runtime_error saying what could not be written.
  RoomRecording(const Settings& settings, const ArchiveKey& key, GMainContext* control, Listener& listener);
  ~RoomRecording();  // Stop()s if still running
  RoomRecording(const RoomRecording&) = delete;
  RoomRecording& operator=(const RoomRecording&) = delete;

  const std::string& id() const { return id_; }
  const std::string& directory() const { return directory_; }
  const std::string& startedAt() const { return startedAt_; }
  const std::string& state() const { return state_; }  // recording, finished, failed
  const std::string& error() const { return error_; }
  const std::string& endedAt() const { return endedAt_; }

  // The room as heard (Opus) and seen (VP8).
  FrameTap RoomAudioTap();
  FrameTap RoomVideoTap();

  // Journals the join; the taps take what the participant sends.
  std::pair<FrameTap, FrameTap> AddParticipant(const std::string& participant, const std::string& name);
  // Journals the leave and closes the participant's files; call once the
  // taps are detached.
  void RemoveParticipant(const std::string& participant);
  // Journals that the participant stopped (muted) or resumed sending
  // `media` ("audio" or "video"), as their client said.
  void Mute(const std::string& participant, const std::string& media, bool muted);

  // Closes every file and seals the archive as "finished" (or as "failed"
  // with `reason`). Nothing once stopped.
  void Stop(const std::string& reason = {});

 private:
  struct Stream;       // one stream of one participant
  struct Participant;  // the participant's streams

  void Journal(const std::string& type, std::initializer_list<std::pair<const char*, std::string>> fields);
  void OnWriterEvent(const std::string& event, const std::string& detail);
  void OpenStream(const std::string& participant, const std::shared_ptr<Stream>& stream, GRef<GstCaps> caps);
  void Fail(const std::string& reason);
  static void CloseStreams(Participant& participant);
  std::string Relative(const std::string& path) const;

  // Passed by argument.
  const ArchiveKey& key_;
  GMainContext* control_;
  Listener& listener_;

  // Owned.
  Settings settings_;
  std::string id_;
  std::string directory_;
  std::string startedAt_;
  std::string endedAt_;
  std::string state_ = "recording";
  std::string error_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  mixer::ControlPoster poster_;
  std::unique_ptr<ArchiveJournal> journal_;
  std::shared_ptr<ContainerWriter> room_;
  std::map<std::string, std::shared_ptr<Participant>> participants_;
};

}  // namespace plenum::recorder
