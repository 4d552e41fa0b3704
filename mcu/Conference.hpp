// The server's rooms and client sessions: the control plane's one entry
// point. Public methods may be called from any thread; they run their work
// on the control thread, which alone touches the maps below.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcu/ControlTimeout.hpp"
#include "mcu/ControlWatchdog.hpp"
#include "mcu/Messages.hpp"
#include "mcu/ParticipantChannel.hpp"
#include "mcu/RecordingPolicy.hpp"
#include "mcu/RoomListener.hpp"
#include "mcu/SessionLog.hpp"
#include "mcu/ServerCounters.hpp"
#include "mcu/TokenVerifier.hpp"
#include "mixer/RoomMediaHost.hpp"

namespace plenum::recorder {
class ArchiveKey;
class ArchiveStore;
}

namespace plenum::mcu {

class ConnectionRecord;
class ControlThread;
class TimelineChannel;
class ControlTimer;
class Room;
struct ServerConfig;

using SessionId = uint64_t;

class Conference : private RoomListener {
 public:
  // `archiveKey`: the key that signs recordings; `archives`: the
  // recordings directory. Both outlive the conference.
  Conference(const ServerConfig& config, ControlThread& control, const recorder::ArchiveKey& archiveKey,
             recorder::ArchiveStore& archives);
  ~Conference() override;
  Conference(const Conference&) = delete;
  Conference& operator=(const Conference&) = delete;

  // Client sessions (one per WebSocket). Fire and forget: outcomes and
  // errors go back through the channel.
  // `origin`: where the socket came from, for the join and failure log lines.
  SessionId OpenSession(std::shared_ptr<ParticipantChannel> channel, SessionOrigin origin = {});
  void Handle(SessionId session, ClientRequest request);
  void CloseSession(SessionId session);

  // REST. Block until the control thread answers; throw ProtocolError
  // (bad-request, not-found, conflict) or ControlTimeout.
  std::vector<RoomInfo> ListRooms();
  RoomInfo GetRoom(const std::string& room);
  RoomInfo CreateRoom(const RoomSettings& settings);
  void DeleteRoom(const std::string& room);
  // Also throw ProtocolError(conflict) when one runs or the room is empty.
  RecordingInfo StartRecording(const std::string& room);
  RecordingInfo StopRecording(const std::string& room, const std::string& recording);
  // Also throw ProtocolError(conflict) when the room is empty, it has an
  // HLS broadcast already, or too many run.
  BroadcastInfo StartBroadcast(const std::string& room, const BroadcastRequest& request);
  void StopBroadcast(const std::string& room, const std::string& broadcast);
  std::vector<BroadcastInfo> ListBroadcasts(const std::string& room);
  // A participant's connection: while in the room, and for kEndedKeptFor
  // after leaving (the last kEndedKept who left). Throws
  // ProtocolError(not-found) when it is neither.
  ParticipantReport GetParticipant(const std::string& room, const std::string& participant);
  // The room's HLS directory while it has an HLS broadcast, else empty
  // (no room: empty too).
  std::string HlsDirectory(const std::string& room);
  // Throws ControlTimeout after 2 s.
  ServerStats Stats();
  // Joins, leaves, errors sent, time to first media: any thread, never
  // blocks (the signaling edge counts the errors it sends itself).
  ServerCounters& Counters() { return counters_; }
  // The media families of /metrics (Prometheus text: HELP, TYPE, samples),
  // server-wide totals without room or participant labels.
  std::string MediaMetricsText();
  // How long the control thread has been stuck, once that is over
  // control-stall-seconds; zero while it answers. Never blocks.
  std::chrono::milliseconds ControlStalled() const { return watchdog_.Stalled(); }
  // How long the control thread has kept the watchdog's heartbeat waiting
  // (zero while none waits): for systemd's watchdog. Never blocks.
  std::chrono::milliseconds ControlWaiting() const { return watchdog_.Waiting(); }

  // Never blocks; any thread.
  const ArchiveKeyInfo& ArchiveKey() const { return archiveKey_; }
  // Archives on disk; any thread (file I/O, not the control thread). Throw
  // ProtocolError(not-found).
  std::vector<RecordingInfo> ListRecordings() const;
  RecordingInfo GetRecording(const std::string& id) const;
  RecordingInfo SetRecordingHold(const std::string& id, bool hold);

  // Ends every session and room (server shutdown). Blocks.
  void Shutdown();

  static constexpr std::size_t kEndedKept = 100;
  static constexpr std::chrono::hours kEndedKeptFor{1};

 private:
  struct Session {
    std::shared_ptr<TimelineChannel> channel;  // the socket's, writing into `record`
    std::shared_ptr<ConnectionRecord> record;
    std::string participant;  // empty until joined
    std::string room;
    std::chrono::steady_clock::time_point opened;
    bool everJoined = false;
    SessionOrigin origin;
  };

  // Control thread only.
  void DoJoin(SessionId id, Session& session, const JoinRequest& request);
  // `reason`: why, for the participant's timeline (leave, socket-closed,
  // room-closed, failed, server-shutdown).
  void DoLeave(Session& session, const std::string& reason, const std::string& message = {});
  void CloseRoom(const std::string& room, ErrorCode code, const std::string& message, const std::string& reason);
  // Keeps a participant's record once it has left, for the API.
  void KeepEnded(std::shared_ptr<ConnectionRecord> record);
  void DropExpiredEnded();
  void SampleRates();
  void ReleaseIfIdle(const std::string& room);
  void CloseUnjoinedSessions();
  void TrimFreedMemory();
  void SweepExpiredRecordings();
  Session* SessionOfParticipant(const std::string& participant);
  Room& RoomOrThrow(const std::string& room);  // ProtocolError(not-found)
  std::string NewParticipantId();

  RoomListener& AsRoomListener() { return *this; }

  // RoomListener
  void OnParticipantFailed(Room& room, const std::string& participant, const std::string& reason) override;
  void OnRoomFailed(Room& room, const std::string& reason) override;

  // Passed by argument.
  const ServerConfig& config_;
  const ArchiveKeyInfo archiveKey_;
  const RecordingPolicy recordingPolicy_;
  recorder::ArchiveStore& archives_;
  std::chrono::steady_clock::time_point nextRetentionSweep_{};  // control thread
  std::atomic<bool> sweepSoon_{false};                          // a hold was released
  ControlThread& control_;

  // Owned.
  ServerCounters counters_;  // before the records that count into it
  TokenVerifier tokens_;
  // The media threads and the DTLS certificate; outlives the rooms.
  std::unique_ptr<mixer::SharedMedia> sharedMedia_;
  ControlWatchdog watchdog_;
  std::atomic<SessionId> nextSession_{1};
  std::map<SessionId, Session> sessions_;
  std::map<std::string, std::unique_ptr<Room>> rooms_;
  std::unique_ptr<ControlTimer> joinSweep_;  // every second: CloseUnjoinedSessions, TrimFreedMemory
  std::optional<std::chrono::steady_clock::time_point> roomClosedAt_;  // since the last trim
  std::deque<std::shared_ptr<ConnectionRecord>> ended_;                // in the order they left
};

}  // namespace plenum::mcu
