#include "broadcast/RoomBroadcasts.hpp"

#include <glib/gstdio.h>

#include <algorithm>
#include <cstdio>

#include "broadcast/Log.hpp"

namespace plenum::broadcast {
namespace {

// Outputs running at once in one room: each is a connection and a muxer.
constexpr size_t kMaxRunningOutputs = 8;
constexpr const char* kPlaylist = "index.m3u8";

bool Running(const BroadcastOutput& output) {
  return output.state() != OutputState::Stopped && output.state() != OutputState::Failed;
}

// Empties `directory` (files only: it holds a playlist and segments).
void EmptyDirectory(const std::string& directory) {
  GDir* dir = g_dir_open(directory.c_str(), 0, nullptr);
  if (!dir) return;
  while (const char* name = g_dir_read_name(dir)) g_unlink((directory + "/" + name).c_str());
  g_dir_close(dir);
}

}  // namespace

// Frames cross threads here: the room's raw program into the encode (the
// compositor's and the mix's threads), the encode's frames out to the
// outputs (the encoders' threads). The control thread changes both lists.
struct RoomBroadcasts::Fanout {
  std::mutex encodeMutex;
  std::unique_ptr<ProgramEncode> encode;
  std::mutex outputsMutex;
  std::vector<BroadcastOutput*> outputs;

  void Deliver(bool video, GstBuffer* frame, GstCaps* caps, GstClockTime time) {
    std::lock_guard lock(outputsMutex);
    for (BroadcastOutput* output : outputs) output->Push(video, frame, caps, time);
  }
  void Remove(BroadcastOutput* output) {
    std::lock_guard lock(outputsMutex);
    outputs.erase(std::remove(outputs.begin(), outputs.end(), output), outputs.end());
  }
};

RoomBroadcasts::RoomBroadcasts(Settings settings, GMainContext* control, Listener& listener)
    : control_(control), listener_(listener), settings_(std::move(settings)), fanout_(std::make_shared<Fanout>()) {
  InitBroadcastDebug();
}

RoomBroadcasts::~RoomBroadcasts() {
  closing_ = true;
  StopAll();
  outputs_.clear();
  if (!settings_.hlsDirectory.empty()) {
    EmptyDirectory(settings_.hlsDirectory);
    g_rmdir(settings_.hlsDirectory.c_str());
  }
}

RoomBroadcasts::ProgramTaps RoomBroadcasts::Taps() {
  Fanout* fanout = fanout_.get();  // outlives the taps: the room drops them first
  const auto tap = [fanout](bool video) {
    return [fanout, video](GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
      std::lock_guard lock(fanout->encodeMutex);
      if (!fanout->encode) return;
      if (video) {
        fanout->encode->PushVideo(frame, caps, runningTime);
      } else {
        fanout->encode->PushAudio(frame, caps, runningTime);
      }
    };
  };
  return {tap(false), tap(true)};
}

BroadcastInfo RoomBroadcasts::Start(const std::string& kind, const std::string& url, GstClockTime now) {
  const BroadcastTarget target = ParseBroadcastTarget(kind, url);
  const auto running = std::count_if(outputs_.begin(), outputs_.end(), [](const auto& o) { return Running(*o); });
  if (static_cast<size_t>(running) >= kMaxRunningOutputs)
    throw BroadcastConflict("this room already has " + std::to_string(kMaxRunningOutputs) + " broadcasts running");
  if (target.kind == BroadcastKind::Hls) {
    for (auto it = outputs_.begin(); it != outputs_.end(); ++it) {
      if ((*it)->settings().target.kind != BroadcastKind::Hls) continue;
      if (Running(**it)) throw BroadcastConflict("this room already has an HLS broadcast: " + (*it)->settings().id);
      outputs_.erase(it);  // a stopped one: the new one takes its playlist
      break;
    }
    if (g_mkdir_with_parents(settings_.hlsDirectory.c_str(), 0750) != 0)
      throw std::runtime_error("cannot create the HLS directory");
    EmptyDirectory(settings_.hlsDirectory);
  }

  bool newEncode = false;
  {
    std::lock_guard lock(fanout_->encodeMutex);
    if (!fanout_->encode) {
      Fanout* fanout = fanout_.get();
      fanout_->encode =
          std::make_unique<ProgramEncode>(settings_.room, settings_.encode, now,
                                          [fanout](bool video, GstBuffer* frame, GstCaps* caps, GstClockTime time) {
                                            fanout->Deliver(video, frame, caps, time);
                                          });
      newEncode = true;
    }
  }
  if (newEncode) listener_.OnProgramWanted(true);

  BroadcastOutput::Settings output;
  char id[16];
  std::snprintf(id, sizeof id, "b%08x", g_random_int());
  output.id = id;
  output.room = settings_.room;
  output.target = target;
  output.hlsDirectory = settings_.hlsDirectory;
  output.hlsPlaylist = kPlaylist;
  output.hlsSegmentSeconds = settings_.hlsSegmentSeconds;
  output.hlsPlaylistLength = settings_.hlsPlaylistLength;
  Fanout* fanout = fanout_.get();
  auto requestKeyframe = [fanout] {
    std::lock_guard lock(fanout->encodeMutex);
    if (fanout->encode) fanout->encode->RequestKeyframe();
  };
  outputs_.push_back(
      std::make_unique<BroadcastOutput>(output, control_, requestKeyframe, [this] { OnOutputChanged(); }));
  BroadcastOutput* added = outputs_.back().get();
  {
    std::lock_guard lock(fanout_->outputsMutex);
    fanout_->outputs.push_back(added);
  }
  added->Start();
  if (!closing_) listener_.OnBroadcastsChanged();
  return Describe(*added);
}

void RoomBroadcasts::Stop(const std::string& id) {
  auto it = std::find_if(outputs_.begin(), outputs_.end(), [&](const auto& o) { return o->settings().id == id; });
  if (it == outputs_.end()) throw BroadcastNotFound("no broadcast '" + id + "' in this room");
  BroadcastOutput* output = it->get();
  fanout_->Remove(output);
  output->Stop();  // OnOutputChanged tells the room
}

void RoomBroadcasts::StopAll() {
  for (const auto& output : outputs_) {
    fanout_->Remove(output.get());
    output->Stop();
  }
  StopEncodeIfIdle();
}

void RoomBroadcasts::OnOutputChanged() {
  for (const auto& output : outputs_) {
    if (!Running(*output)) fanout_->Remove(output.get());
  }
  StopEncodeIfIdle();
  if (!closing_) listener_.OnBroadcastsChanged();
}

void RoomBroadcasts::StopEncodeIfIdle() {
  if (std::any_of(outputs_.begin(), outputs_.end(), [](const auto& o) { return Running(*o); })) return;
  std::unique_ptr<ProgramEncode> encode;
  {
    std::lock_guard lock(fanout_->encodeMutex);
    encode = std::move(fanout_->encode);
  }
  if (!encode) return;
  // The room stops its taps first; the encode's threads end with it.
  if (!closing_) listener_.OnProgramWanted(false);
  encode.reset();
}

std::vector<BroadcastInfo> RoomBroadcasts::List() const {
  std::vector<BroadcastInfo> list;
  for (const auto& output : outputs_) list.push_back(Describe(*output));
  return list;
}

std::vector<std::string> RoomBroadcasts::LiveKinds() const {
  std::vector<std::string> kinds;
  for (const auto& output : outputs_) {
    const std::string kind = KindName(output->settings().target.kind);
    if (output->state() == OutputState::Live && std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      kinds.push_back(kind);
  }
  return kinds;
}

bool RoomBroadcasts::running() const {
  return std::any_of(outputs_.begin(), outputs_.end(), [](const auto& o) { return Running(*o); });
}

std::string RoomBroadcasts::HlsDirectory() const {
  for (const auto& output : outputs_) {
    if (output->settings().target.kind == BroadcastKind::Hls) return settings_.hlsDirectory;
  }
  return {};
}

BroadcastInfo RoomBroadcasts::Describe(const BroadcastOutput& output) const {
  BroadcastInfo info;
  info.id = output.settings().id;
  info.kind = KindName(output.settings().target.kind);
  info.state = StateName(output.state());
  info.url = output.settings().target.shown;
  if (output.settings().target.kind == BroadcastKind::Hls) info.playlist = settings_.hlsPath;
  info.error = output.error();
  return info;
}

}  // namespace plenum::broadcast
