#include "mcu/Conference.hpp"

#include <malloc.h>

#include <glib.h>

#include <algorithm>
#include <cinttypes>
#include <filesystem>

#include "mcu/ConnectionRecord.hpp"
#include "mcu/ControlThread.hpp"
#include "mcu/ErrorCode.hpp"
#include "mcu/Log.hpp"
#include "mcu/MediaMetricsText.hpp"
#include "mcu/Room.hpp"
#include "mcu/ServerConfig.hpp"
#include "mcu/TimelineChannel.hpp"
#include "mcu/Validation.hpp"
#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveStore.hpp"

namespace plenum::mcu {

Conference::Conference(const ServerConfig& config, ControlThread& control, const recorder::ArchiveKey& archiveKey,
                       recorder::ArchiveStore& archives)
    : config_(config),
      archiveKey_{"ed25519", archiveKey.publicKeyPem(), archiveKey.fingerprint()},
      recordingPolicy_{&archiveKey, config.recordingsDir, config.recordingSegmentSeconds, config.recordingAuto,
                       config.recordingRequired},
      archives_(archives),
      control_(control),
      tokens_(config.tokenSecret),
      sharedMedia_(std::make_unique<mixer::SharedMedia>(config.media)),
      watchdog_(control, std::chrono::seconds(config.controlStallSeconds)),
      joinSweep_(std::make_unique<ControlTimer>(control, std::chrono::seconds(1), [this] {
        CloseUnjoinedSessions();
        TrimFreedMemory();
        SweepExpiredRecordings();
        SampleRates();
        DropExpiredEnded();
      })) {
  // HLS files are live only: what a stopped or crashed server left is stale.
  std::error_code ignored;
  std::filesystem::remove_all(config.broadcast.hlsDir, ignored);
}

Conference::~Conference() { Shutdown(); }

SessionId Conference::OpenSession(std::shared_ptr<ParticipantChannel> channel, SessionOrigin origin) {
  const SessionId id = nextSession_++;
  control_.Post([this, id, channel = std::move(channel), origin = std::move(origin),
                 opened = std::chrono::steady_clock::now(),
                 openedAt = std::chrono::system_clock::now()] {
    auto record = std::make_shared<ConnectionRecord>(openedAt, &counters_);
    sessions_[id] = Session{std::make_shared<TimelineChannel>(channel, record), record, {}, {}, opened, false, origin};
  });
  return id;
}

void Conference::Handle(SessionId id, ClientRequest request) {
  control_.Post([this, id, request = std::move(request)] {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;  // the socket closed meanwhile
    Session& session = it->second;
    try {
      if (const auto* join = std::get_if<JoinRequest>(&request)) {
        DoJoin(id, session, *join);
        return;
      }
      if (std::holds_alternative<LeaveRequest>(request)) {
        DoLeave(session, "leave");
        session.channel->Close();
        return;
      }
      if (session.participant.empty()) throw ProtocolError(ErrorCode::NotJoined, "join a room first");
      Room& room = *rooms_.at(session.room);
      if (const auto* offer = std::get_if<OfferRequest>(&request)) {
        session.record->Offer();
        room.Offer(session.participant, offer->sdp);
      } else if (const auto* candidate = std::get_if<CandidateRequest>(&request)) {
        room.Candidate(session.participant, *candidate);
      } else if (const auto* mute = std::get_if<MuteRequest>(&request)) {
        room.Mute(session.participant, *mute);
      } else if (std::holds_alternative<ConnectionRequest>(request)) {
        // Its own connection only: the socket's participant, nobody else's.
        const auto report = room.Report(session.participant);
        if (!report) throw ProtocolError(ErrorCode::NotJoined, "join a room first");
        session.channel->SendConnection(*report);
      }
    } catch (const ProtocolError& error) {
      if (const auto* join = std::get_if<JoinRequest>(&request))
        LogRefusedJoin(join->room, error.code(), error.what(), session.origin);
      session.channel->SendError(error.code(), error.what());
    } catch (const std::exception& error) {
      PLENUM_LOG_ERROR("fail request [session:%" PRIu64 " error:%s]", id, error.what());
      if (const auto* join = std::get_if<JoinRequest>(&request))
        LogRefusedJoin(join->room, ErrorCode::Internal, "the server could not handle the request", session.origin);
      session.channel->SendError(ErrorCode::Internal, "the server could not handle the request");
    }
  });
}

void Conference::CloseSession(SessionId id) {
  control_.Post([this, id] {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    DoLeave(it->second, "socket-closed");
    sessions_.erase(it);
  });
}

void Conference::DoJoin(SessionId, Session& session, const JoinRequest& request) {
  if (!session.participant.empty()) throw ProtocolError(ErrorCode::AlreadyJoined, "this socket has joined already");
  ValidateRoomId(request.room);
  std::string name = request.name;
  if (auto imposed = tokens_.Verify(request.token, request.room)) name = *imposed;
  ValidateName(name);

  auto it = rooms_.find(request.room);
  if (it == rooms_.end()) {
    if (!config_.autoCreateRooms) throw ProtocolError(ErrorCode::BadRequest, "no room '" + request.room + "'");
    RoomSettings settings;
    settings.id = request.room;
    settings.maxParticipants = config_.maxParticipants;
    it = rooms_
             .emplace(request.room, std::make_unique<Room>(settings, false, config_.media, *sharedMedia_, recordingPolicy_,
                                                           config_.broadcast, control_.context(), AsRoomListener()))
             .first;
  }
  Room& room = *it->second;
  if (room.full()) {
    ReleaseIfIdle(request.room);
    throw ProtocolError(ErrorCode::RoomFull, "the room is full");
  }

  // A socket that left and joins again is a new connection.
  if (session.record->joined()) {
    session.record = std::make_shared<ConnectionRecord>(std::chrono::system_clock::now(), &counters_);
    session.channel->Attach(session.record);
  }
  const ParticipantInfo participant{NewParticipantId(), name, std::chrono::system_clock::now()};
  std::vector<ParticipantInfo> others;
  try {
    others = room.Join(participant, session.channel, session.record);
  } catch (...) {
    ReleaseIfIdle(request.room);
    throw;
  }
  session.record->Joined(request.room, participant);
  LogJoin(request.room, participant, session.origin);
  session.participant = participant.id;
  session.room = request.room;
  session.everJoined = true;
  session.channel->SendJoined(
      JoinedEvent{request.room, participant.id, others, room.recording(), config_.clientIceServers});
  if (const RoomLive live = room.Live(); live.live() || !live.watch.empty()) session.channel->SendRoomLive(live);
}

void Conference::DoLeave(Session& session, const std::string& reason, const std::string& message) {
  if (session.participant.empty()) return;
  const std::string room = session.room;
  ParticipantInfo last = session.record->participant();
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    if (auto now = it->second->Participant(session.participant)) last = *now;
    it->second->Leave(session.participant);
  }
  session.record->Left(reason, last, message);
  LogLeave(room, last, reason);
  KeepEnded(session.record);
  session.participant.clear();
  session.room.clear();
  ReleaseIfIdle(room);
}

void Conference::KeepEnded(std::shared_ptr<ConnectionRecord> record) {
  ended_.push_back(std::move(record));
  while (ended_.size() > kEndedKept) ended_.pop_front();
}

void Conference::DropExpiredEnded() {
  const auto oldest = std::chrono::steady_clock::now() - kEndedKeptFor;
  while (!ended_.empty() && ended_.front()->leftAt() < oldest) ended_.pop_front();
}

void Conference::SampleRates() {
  for (const auto& [id, room] : rooms_) room->SampleRates();
}

// A socket that never joins holds a connection (and, today, a thread) for
// nothing: a port scanner, a stuck client or someone filling the server up.
void Conference::CloseUnjoinedSessions() {
  const auto deadline = std::chrono::steady_clock::now() - std::chrono::seconds(config_.joinTimeoutSeconds);
  for (auto& [id, session] : sessions_) {
    if (session.everJoined || session.opened > deadline) continue;
    PLENUM_LOG_INFO("close unjoined session [session:%" PRIu64 "]", id);
    session.channel->SendError(ErrorCode::NotJoined, "no join within " + std::to_string(config_.joinTimeoutSeconds) +
                                                         " s; the connection is closed");
    session.channel->Close();
    session.everJoined = true;  // closed once; the socket's end removes it
  }
}

namespace {

RecordingInfo ToInfo(const recorder::ArchiveSummary& archive) {
  return RecordingInfo{archive.id,      archive.room,      archive.state, archive.startedAt,
                       archive.endedAt, archive.directory, archive.hold,  archive.manifestJson, {}};
}

}  // namespace

std::vector<RecordingInfo> Conference::ListRecordings() const {
  std::vector<RecordingInfo> list;
  for (const auto& archive : archives_.List()) list.push_back(ToInfo(archive));
  return list;
}

RecordingInfo Conference::GetRecording(const std::string& id) const {
  const auto archive = archives_.Get(id);
  if (!archive) throw ProtocolError(ErrorCode::NotFound, "no recording " + id);
  return ToInfo(*archive);
}

RecordingInfo Conference::SetRecordingHold(const std::string& id, bool hold) {
  const auto archive = archives_.SetHold(id, hold);
  if (!archive) throw ProtocolError(ErrorCode::NotFound, "no recording " + id);
  PLENUM_LOG_INFO("%s legal hold [recording:%s]", hold ? "place" : "release", id.c_str());
  if (!hold) sweepSoon_ = true;  // retention applies again at once
  return ToInfo(*archive);
}

// Retention: finished recordings older than retention-days go, unless held.
// Looked at every minute (more often for a retention that short).
void Conference::SweepExpiredRecordings() {
  if (config_.retentionDays <= 0) return;
  const auto retention = std::chrono::seconds(static_cast<long long>(config_.retentionDays * 86400));
  const auto now = std::chrono::steady_clock::now();
  if (now < nextRetentionSweep_ && !sweepSoon_.exchange(false)) return;
  nextRetentionSweep_ = now + std::clamp<std::chrono::seconds>(retention / 4, std::chrono::seconds(1), std::chrono::seconds(60));
  try {
    for (const std::string& id : archives_.DeleteExpired(std::chrono::system_clock::now(), retention))
      PLENUM_LOG_INFO("delete expired recording [recording:%s retention-days:%g]", id.c_str(), config_.retentionDays);
  } catch (const std::exception& error) {
    // An unreadable directory or a full disk: retention waits for the next
    // sweep; the server carries on.
    PLENUM_LOG_WARNING("fail retention sweep [error:%s]", error.what());
  }
}

void Conference::ReleaseIfIdle(const std::string& room) {
  auto it = rooms_.find(room);
  if (it != rooms_.end() && it->second->empty() && !it->second->persistent()) {
    rooms_.erase(it);
    roomClosedAt_ = std::chrono::steady_clock::now();
  }
}

// A room's pipeline frees megabytes, but glibc keeps freed heap for reuse,
// so after a busy hour the process would hold its high-water mark for ever
// (130 MiB after 500 joins and leaves, against 65 at start). Once rooms
// have stopped closing for a few seconds, give it back to the system.
void Conference::TrimFreedMemory() {
  constexpr auto kQuiet = std::chrono::seconds(3);
  if (!roomClosedAt_ || std::chrono::steady_clock::now() - *roomClosedAt_ < kQuiet) return;
  roomClosedAt_.reset();
  malloc_trim(0);
}

void Conference::CloseRoom(const std::string& roomId, ErrorCode code, const std::string& message,
                           const std::string& reason) {
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return;
  for (auto& [id, session] : sessions_) {
    if (session.room != roomId || session.participant.empty()) continue;
    session.channel->SendError(code, message);
    session.channel->Close();
    const ParticipantInfo last =
        it->second->Participant(session.participant).value_or(session.record->participant());
    session.record->Left(reason, last, message);
    LogLeave(roomId, last, reason);
    KeepEnded(session.record);
    session.participant.clear();
    session.room.clear();
  }
  rooms_.erase(it);  // tears the pipeline down
  roomClosedAt_ = std::chrono::steady_clock::now();
}

Conference::Session* Conference::SessionOfParticipant(const std::string& participant) {
  for (auto& [id, session] : sessions_) {
    if (session.participant == participant) return &session;
  }
  return nullptr;
}

std::string Conference::NewParticipantId() {
  // 64 random bits: unguessable enough that ids in URLs and logs leak nothing.
  char text[17];
  g_snprintf(text, sizeof text, "%08x%08x", g_random_int(), g_random_int());
  return text;
}

void Conference::OnParticipantFailed(Room& room, const std::string& participant, const std::string& reason) {
  LogConnectionFailure(room.id(), participant, "media", reason);
  Session* session = SessionOfParticipant(participant);
  if (!session) return;
  session->channel->SendError(ErrorCode::Internal, "your media failed: " + reason);
  session->channel->Close();
  DoLeave(*session, "failed", reason);
}

void Conference::OnRoomFailed(Room& room, const std::string& reason) {
  PLENUM_LOG_ERROR("close failed room [room:%s reason:%s]", room.id().c_str(), reason.c_str());
  CloseRoom(room.id(), ErrorCode::Internal, "the room's media failed: " + reason, "failed");
}

std::vector<RoomInfo> Conference::ListRooms() {
  return control_.Call<std::vector<RoomInfo>>([this] {
    std::vector<RoomInfo> rooms;
    for (const auto& [id, room] : rooms_) rooms.push_back(room->Info());
    return rooms;
  });
}

RoomInfo Conference::GetRoom(const std::string& room) {
  return control_.Call<RoomInfo>([this, room] {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) throw ProtocolError(ErrorCode::NotFound, "no room '" + room + "'");
    return it->second->Info();
  });
}

RoomInfo Conference::CreateRoom(const RoomSettings& settings) {
  ValidateRoomSettings(settings);
  return control_.Call<RoomInfo>([this, settings] {
    if (rooms_.contains(settings.id)) throw ProtocolError(ErrorCode::Conflict, "room '" + settings.id + "' exists");
    auto room = std::make_unique<Room>(settings, true, config_.media, *sharedMedia_, recordingPolicy_, config_.broadcast,
                                       control_.context(), AsRoomListener());
    RoomInfo info = room->Info();
    rooms_.emplace(settings.id, std::move(room));
    PLENUM_LOG_INFO("create room [room:%s max:%d]", settings.id.c_str(), settings.maxParticipants);
    return info;
  });
}

void Conference::DeleteRoom(const std::string& room) {
  control_.Call<void>([this, room] {
    if (!rooms_.contains(room)) throw ProtocolError(ErrorCode::NotFound, "no room '" + room + "'");
    CloseRoom(room, ErrorCode::RoomClosed, "the room was deleted", "room-closed");
    PLENUM_LOG_INFO("delete room [room:%s]", room.c_str());
  });
}

RecordingInfo Conference::StartRecording(const std::string& room) {
  return control_.Call<RecordingInfo>([this, room] {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) throw ProtocolError(ErrorCode::NotFound, "no room '" + room + "'");
    return it->second->StartRecording();
  });
}

RecordingInfo Conference::StopRecording(const std::string& room, const std::string& recording) {
  return control_.Call<RecordingInfo>([this, room, recording] {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) throw ProtocolError(ErrorCode::NotFound, "no room '" + room + "'");
    return it->second->StopRecording(recording);
  });
}

BroadcastInfo Conference::StartBroadcast(const std::string& room, const BroadcastRequest& request) {
  return control_.Call<BroadcastInfo>([this, room, request] { return RoomOrThrow(room).StartBroadcast(request); });
}

void Conference::StopBroadcast(const std::string& room, const std::string& broadcast) {
  control_.Call<void>([this, room, broadcast] { RoomOrThrow(room).StopBroadcast(broadcast); });
}

std::vector<BroadcastInfo> Conference::ListBroadcasts(const std::string& room) {
  return control_.Call<std::vector<BroadcastInfo>>([this, room] { return RoomOrThrow(room).Broadcasts(); });
}

std::string Conference::HlsDirectory(const std::string& room) {
  return control_.Call<std::string>([this, room] {
    auto it = rooms_.find(room);
    return it == rooms_.end() ? std::string() : it->second->HlsDirectory();
  });
}

ParticipantReport Conference::GetParticipant(const std::string& room, const std::string& participant) {
  return control_.Call<ParticipantReport>([this, room, participant] {
    if (auto it = rooms_.find(room); it != rooms_.end()) {
      if (auto report = it->second->Report(participant)) return *report;
    }
    DropExpiredEnded();
    // The newest first: an id is never reused, but be sure.
    for (auto it = ended_.rbegin(); it != ended_.rend(); ++it) {
      const ConnectionRecord& record = **it;
      if (record.room() == room && record.participant().id == participant)
        return record.Report(record.participant(), {});
    }
    throw ProtocolError(ErrorCode::NotFound, "no participant '" + participant + "' in room '" + room + "'");
  });
}

Room& Conference::RoomOrThrow(const std::string& room) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) throw ProtocolError(ErrorCode::NotFound, "no room '" + room + "'");
  return *it->second;
}

ServerStats Conference::Stats() {
  // A scrape that waits longer is of no use: Prometheus gives up at 10 s.
  constexpr auto kStatsTimeout = std::chrono::seconds(2);
  return control_.Call<ServerStats>(
      [this] {
        ServerStats stats;
        stats.rooms = rooms_.size();
        stats.sessions = sessions_.size();
        for (const auto& [id, room] : rooms_) {
          stats.participants += room->size();
          if (room->hasPipeline()) ++stats.activeRooms;
          // As the API shows them: the running recording, or the last if it failed.
          const RoomInfo info = room->Info();
          if (info.recording) ++stats.recordings[info.recording->state];
          for (const BroadcastInfo& broadcast : info.broadcasts)
            ++stats.broadcasts[{broadcast.kind, broadcast.state}];
        }
        return stats;
      },
      kStatsTimeout);
}

std::string Conference::MediaMetricsText() {
  // Only loads of the media threads' counters: no control-thread call, so
  // a stalled control thread still has its media scraped.
  return mcu::MediaMetricsText(sharedMedia_->Metrics());
}

void Conference::Shutdown() {
  control_.Call<void>(
      [this] {
        joinSweep_.reset();
        std::vector<std::string> ids;
        for (const auto& [id, room] : rooms_) ids.push_back(id);
        for (const auto& id : ids)
          CloseRoom(id, ErrorCode::RoomClosed, "the server is shutting down", "server-shutdown");
        for (auto& [id, session] : sessions_) session.channel->Close();
        sessions_.clear();
      },
      std::chrono::seconds(30));
}

}  // namespace plenum::mcu
