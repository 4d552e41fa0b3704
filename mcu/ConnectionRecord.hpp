// Everything the API tells of one participant's connection, from the
// moment its WebSocket opened until a while after it left: the timeline,
// the transport's last states, the rate meter. Made when the socket opens
// and shared by the session, the room it joins (which records what its
// media reports) and, once it has left, the conference's list of ended
// sessions. Control thread only; steps are stamped as they are recorded.
#pragma once

#include <chrono>
#include <string>

#include "mcu/ConnectionTimeline.hpp"
#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"
#include "mcu/RateMeter.hpp"

namespace plenum::mcu {

class ServerCounters;

class ConnectionRecord {
 public:
  // Records socket-opened at `socketOpened`. `counters` (may be null; it
  // outlives the record) counts the join, the leave, errors sent and the
  // time to first media for /metrics.
  explicit ConnectionRecord(TimePoint socketOpened, ServerCounters* counters = nullptr);
  ConnectionRecord(const ConnectionRecord&) = delete;
  ConnectionRecord& operator=(const ConnectionRecord&) = delete;

  void Joined(const std::string& room, const ParticipantInfo& participant);
  // A client offer: the first, or a renegotiation.
  void Offer();
  void Step(std::string step, ConnectionTimeline::Details details = {});
  void Count(std::string step, ConnectionTimeline::Details details = {});
  // The first packet of `kind` (audio, video) received from the client
  // (incoming) or sent to it: first-media-in / first-media-out.
  void FirstMedia(bool incoming, const std::string& kind);
  // An error the client is told of (counted even after the end).
  void ErrorSent(ErrorCode code);
  // The transport's states (webrtc's words), recorded when they change.
  void IceState(const std::string& state);
  void PeerConnectionState(const std::string& state);
  void DtlsState(const std::string& state);
  // The end: why (leave, socket-closed, room-closed, failed,
  // server-shutdown), in words if there are any, and the participant as
  // it was then. Nothing is recorded after it.
  void Left(const std::string& reason, const ParticipantInfo& participant, const std::string& message = {});

  bool joined() const { return joined_; }
  bool left() const { return left_; }
  const std::string& room() const { return room_; }
  const ParticipantInfo& participant() const { return participant_; }
  // When it left, on the clock that decides how long it is kept.
  std::chrono::steady_clock::time_point leftAt() const { return leftAt_; }
  RateMeter& rates() { return rates_; }

  // `participant` as the room knows it now (the one given to Left, after);
  // `rates` as measured now (zeros, after).
  ParticipantReport Report(const ParticipantInfo& participant, const MediaRates& rates) const;

 private:
  ServerCounters* counters_;
  ConnectionTimeline timeline_;
  RateMeter rates_;
  std::string room_;
  ParticipantInfo participant_;
  std::string iceState_;
  std::string peerState_;
  std::string dtlsState_;
  int offers_ = 0;
  bool joined_ = false;
  bool left_ = false;
  std::chrono::steady_clock::time_point joinedAt_;  // for the time to first media
  bool firstMediaIn_ = false;                       // counted once per direction
  bool firstMediaOut_ = false;
  std::chrono::steady_clock::time_point leftAt_;
};

}  // namespace plenum::mcu
