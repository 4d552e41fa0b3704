#include "recorder/RoomRecording.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "recorder/ArchiveKey.hpp"

GST_DEBUG_CATEGORY_STATIC(plenum_recording_debug);
#define GST_CAT_DEFAULT plenum_recording_debug

namespace plenum::recorder {
namespace fs = std::filesystem;

struct RoomRecording::Stream {
  explicit Stream(TrackKind streamKind) : kind(streamKind) {}
  const TrackKind kind;
  std::mutex mutex;
  std::shared_ptr<ContainerWriter> writer;  // once its first frame came
  bool requested = false;                   // a writer is being made
  bool closed = false;
};

struct RoomRecording::Participant {
  std::shared_ptr<Stream> audio = std::make_shared<Stream>(TrackKind::Audio);
  std::shared_ptr<Stream> video = std::make_shared<Stream>(TrackKind::Video);
};

namespace {

void InitDebug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(plenum_recording_debug, "plenum-recording", 0, "Plenum room recordings");
    g_once_init_leave(&once, 1);
  }
}

// "<room>-20261201-023000", unique in `dir` (a suffix when a recording of
// the room started the same second), within the archive-id alphabet.
std::string NewRecordingId(const std::string& dir, const std::string& room) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  const std::string base = room.substr(0, 40) + "-" + stamp;
  std::string id = base;
  for (int n = 2; fs::exists(fs::path(dir) / id); ++n) id = base + "-" + std::to_string(n);
  return id;
}

bool IsH264(GstCaps* caps) {
  const GstStructure* s = caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  return s && gst_structure_has_name(s, "video/x-h264");
}

}  // namespace

RoomRecording::RoomRecording(const Settings& settings, const ArchiveKey& key, GMainContext* control,
                             Listener& listener)
    : key_(key), control_(control), listener_(listener), settings_(settings), poster_(control, alive_) {
  InitDebug();
  std::error_code error;
  fs::create_directories(settings_.recordingsDir, error);
  if (error) throw std::runtime_error("cannot make " + settings_.recordingsDir + ": " + error.message());
  id_ = NewRecordingId(settings_.recordingsDir, settings_.room);
  directory_ = (fs::path(settings_.recordingsDir) / id_).string();
  if (mkdir(directory_.c_str(), 0750) != 0) {
    throw std::runtime_error("cannot make " + directory_ + ": " + std::strerror(errno));
  }
  journal_ = ArchiveJournal::Create(directory_);
  if (!ReserveSealSpace(directory_)) GST_WARNING("no space set aside for sealing [directory:%s]", directory_.c_str());
  startedAt_ = NowRfc3339();
  Journal("recording-started", {{"recording", id_}, {"room", settings_.room}});

  ContainerWriter::Options options;
  options.location = (fs::path(directory_) / "room-%05d.webm").string();
  options.segmentLength = settings_.segmentLength;
  options.zero = settings_.zero;
  room_ = std::make_shared<ContainerWriter>(
      id_ + "-room", options, std::vector<TrackKind>{TrackKind::Audio, TrackKind::Video}, control,
      [this](const std::string& event, const std::string& detail) { OnWriterEvent(event, detail); });
  GST_INFO("start recording [recording:%s room:%s directory:%s]", id_.c_str(), settings_.room.c_str(),
           directory_.c_str());
}

RoomRecording::~RoomRecording() { Stop(); }

void RoomRecording::Journal(const std::string& type,
                            std::initializer_list<std::pair<const char*, std::string>> fields) {
  JsonObjectPtr object(json_object_new());
  for (const auto& [name, value] : fields) json_object_set_string_member(object.get(), name, value.c_str());
  journal_->Append(type, object.get());
}

RoomRecording::FrameTap RoomRecording::RoomAudioTap() {
  return [writer = std::weak_ptr<ContainerWriter>(room_)](GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
    if (auto room = writer.lock()) room->Write(0, frame, caps, runningTime);
  };
}

RoomRecording::FrameTap RoomRecording::RoomVideoTap() {
  return [writer = std::weak_ptr<ContainerWriter>(room_)](GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
    if (auto room = writer.lock()) room->Write(1, frame, caps, runningTime);
  };
}

std::pair<RoomRecording::FrameTap, RoomRecording::FrameTap> RoomRecording::AddParticipant(
    const std::string& participant, const std::string& name) {
  if (state_ != "recording") return {};
  try {
    Journal("participant-joined", {{"participant", participant}, {"name", name}});
  } catch (const std::exception& error) {
    Fail(error.what());
    return {};
  }
  auto entry = std::make_shared<Participant>();
  participants_[participant] = entry;
  const auto tapOf = [this, participant](const std::shared_ptr<Stream>& stream) -> FrameTap {
    return [stream, participant, poster = poster_, self = this](GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
      std::lock_guard lock(stream->mutex);
      if (stream->closed) return;
      if (stream->writer) {
        stream->writer->Write(0, frame, caps, runningTime);
      } else if (!stream->requested) {
        // Its file is made on the control thread; frames until then are
        // lost (a video file starts at the next keyframe anyway).
        stream->requested = true;
        poster.Post([self, participant, stream, caps = GRef<GstCaps>::Ref(caps)] {
          self->OpenStream(participant, stream, caps);
        });
      }
    };
  };
  return {tapOf(entry->audio), tapOf(entry->video)};
}

void RoomRecording::OpenStream(const std::string& participant, const std::shared_ptr<Stream>& stream,
                               GRef<GstCaps> caps) {
  if (state_ != "recording") return;
  const bool video = stream->kind == TrackKind::Video;
  ContainerWriter::Options options;
  options.matroska = video && IsH264(caps.get());
  options.location =
      (fs::path(directory_) / (participant + (video ? ".video" : ".audio") + (options.matroska ? ".mkv" : ".webm")))
          .string();
  options.zero = settings_.zero;
  std::shared_ptr<ContainerWriter> writer;
  try {
    writer = std::make_shared<ContainerWriter>(
        id_ + "-" + participant + (video ? "-video" : "-audio"), options, std::vector<TrackKind>{stream->kind},
        control_, [this](const std::string& event, const std::string& detail) { OnWriterEvent(event, detail); });
    Journal("stream-started", {{"participant", participant},
                               {"kind", video ? "video" : "audio"},
                               {"file", Relative(options.location)},
                               {"caps", mixer::GCharPtr(gst_caps_to_string(caps.get())).get()}});
  } catch (const std::exception& error) {
    Fail(error.what());
    return;
  }
  {
    std::lock_guard lock(stream->mutex);
    if (stream->closed) return;  // the participant left meanwhile: the writer goes
    stream->writer = writer;
  }
  if (video) listener_.OnParticipantVideoReady(participant);
}

void RoomRecording::RemoveParticipant(const std::string& participant) {
  auto it = participants_.find(participant);
  if (it == participants_.end()) return;
  std::shared_ptr<Participant> entry = it->second;
  participants_.erase(it);
  CloseStreams(*entry);
  if (state_ != "recording") return;
  try {
    Journal("participant-left", {{"participant", participant}});
  } catch (const std::exception& error) {
    Fail(error.what());
  }
}

void RoomRecording::Mute(const std::string& participant, const std::string& media, bool muted) {
  if (state_ != "recording" || !participants_.contains(participant)) return;
  try {
    Journal(muted ? "mute" : "unmute", {{"participant", participant}, {"media", media}});
  } catch (const std::exception& error) {
    Fail(error.what());
  }
}

// Its taps drop frames from now on; its files are finished.
void RoomRecording::CloseStreams(Participant& participant) {
  for (const auto& stream : {participant.audio, participant.video}) {
    std::shared_ptr<ContainerWriter> writer;
    {
      std::lock_guard lock(stream->mutex);
      stream->closed = true;
      writer = std::move(stream->writer);
    }
    if (writer) writer->Finish();
  }
}

void RoomRecording::OnWriterEvent(const std::string& event, const std::string& detail) {
  if (state_ != "recording") return;
  if (event == "error") {
    // Not from inside the writer's own callback: failing closes the writer.
    poster_.Post([this, detail] { Fail("writing the recording failed: " + detail); });
    return;
  }
  try {
    Journal(event, {{"file", Relative(detail)}});
  } catch (const std::exception& error) {
    poster_.Post([this, reason = std::string(error.what())] { Fail(reason); });
  }
}

void RoomRecording::Fail(const std::string& reason) {
  if (state_ != "recording") return;
  GST_ERROR("recording failed [recording:%s reason:%s]", id_.c_str(), reason.c_str());
  Stop(reason);
  listener_.OnRecordingFailed(reason);
}

void RoomRecording::Stop(const std::string& reason) {
  if (state_ != "recording") return;
  state_ = reason.empty() ? "finished" : "failed";
  error_ = reason;
  for (auto& [participant, entry] : participants_) CloseStreams(*entry);
  // The last segment's closing is journaled here: the writer's own event
  // for it comes after the recording has stopped taking events.
  const std::string lastSegment = room_ ? room_->OpenSegment() : std::string();
  // Finished but kept until the recording goes: a tap may still hold it
  // for a moment (when a write failed, the taps are detached after this),
  // and it must not be destroyed on a streaming thread.
  if (room_) room_->Finish();
  endedAt_ = NowRfc3339();
  try {
    if (!lastSegment.empty()) Journal("segment-closed", {{"file", Relative(lastSegment)}});
    if (!reason.empty()) Journal("recording-error", {{"error", reason}});
    SealArchive(*journal_, key_, state_, endedAt_);
    GST_INFO("stop recording [recording:%s state:%s]", id_.c_str(), state_.c_str());
  } catch (const std::exception& error) {
    // The journal stays as far as it got; the next start seals it as
    // interrupted.
    GST_ERROR("cannot seal recording [recording:%s error:%s]", id_.c_str(), error.what());
    if (error_.empty()) error_ = std::string("cannot seal: ") + error.what();
  }
}

std::string RoomRecording::Relative(const std::string& path) const {
  return fs::path(path).lexically_relative(directory_).string();
}

}  // namespace plenum::recorder
