// Typed requests and descriptions exchanged between the signaling edge and
// the control thread. JSON stays in signaling/; these are plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mcu/ConnectionTimeline.hpp"
#include "mcu/RateMeter.hpp"

namespace plenum::mcu {

using TimePoint = std::chrono::system_clock::time_point;

struct JoinRequest {
  std::string room;
  std::string name;
  std::optional<std::string> token;
};
struct OfferRequest {
  std::string sdp;
};
struct CandidateRequest {
  std::string candidate;  // empty: end of candidates
  std::string sdpMid;
  unsigned sdpMLineIndex = 0;
};
struct LeaveRequest {};
// The client stopped (true) or resumed (false) sending a medium; a field
// left out keeps its state. Plenum's extension of PROTOCOL.md (README).
struct MuteRequest {
  std::optional<bool> audio;
  std::optional<bool> video;
};

// The client asks for its own connection's report (ParticipantReport):
// Plenum's extension of PROTOCOL.md (README, get-connection).
struct ConnectionRequest {};

using ClientRequest =
    std::variant<JoinRequest, OfferRequest, CandidateRequest, LeaveRequest, MuteRequest, ConnectionRequest>;

struct IceCandidate {
  std::string candidate;  // empty: end of candidates
  std::string sdpMid;
  unsigned sdpMLineIndex = 0;
};

struct ParticipantInfo {
  std::string id;
  std::string name;
  TimePoint joinedAt;
  // As the participant's client last said (MuteRequest).
  bool audioMuted = false;
  bool videoMuted = false;
};

// What a room is asked to be, from the REST API or the server defaults.
// One parser for both (see RoomSettings::Validate).
struct RoomSettings {
  std::string id;
  int maxParticipants = 16;
  std::string layout = "grid";
};


// The public half of the server's archive key (GET /api/v1/archive-key).
struct ArchiveKeyInfo {
  std::string algorithm;  // "ed25519"
  std::string publicKeyPem;
  std::string fingerprint;  // SHA-256 of the DER public key, hex
};

// A recording as the API shows it (PROTOCOL.md section 2, Recording).
struct RecordingInfo {
  std::string id;
  std::string room;
  std::string state;  // recording, finished, failed, interrupted
  std::string startedAt;
  std::string endedAt;  // empty while recording
  std::string directory;
  bool hold = false;
  std::string manifestJson;  // once sealed
  std::string error;         // why it failed
};

// A broadcast as the API shows it (PROTOCOL.md section 2, Broadcast).
struct BroadcastRequest {
  std::string kind;  // rtmp, srt, hls
  std::string url;   // RTMP, SRT
};
struct BroadcastInfo {
  std::string id;
  std::string kind;
  std::string state;     // starting, live, retrying, failed, stopped
  std::string url;       // secrets (stream key, SRT options) replaced by "***"
  std::string playlist;  // HLS: /hls/{room}/index.m3u8
  std::string error;     // the last failure, in words
};

// Whether the room is being broadcast, for its participants (room-live,
// Plenum's extension of PROTOCOL.md).
struct RoomLive {
  std::vector<std::string> kinds;  // of the live outputs
  std::string watch;               // the watch page while an HLS output runs
  bool live() const { return !kinds.empty(); }
  bool operator==(const RoomLive&) const = default;
};

struct RoomInfo {
  RoomSettings settings;
  std::vector<ParticipantInfo> participants;
  std::optional<RecordingInfo> recording;  // the running one, or the last if it failed
  std::vector<BroadcastInfo> broadcasts;
};

// One participant's connection, as GET /api/v1/rooms/{room}/participants/{id}
// shows it: while in the room and for a while after leaving.
struct ParticipantReport {
  std::string room;
  ParticipantInfo participant;
  std::string state;  // connecting, connected, failed, left
  std::vector<ConnectionTimeline::Entry> timeline;
  std::uint64_t timelineDropped = 0;
  MediaRates rates;  // over the last few seconds; zeros once left
  MediaLoss loss;    // since the connection began; zeros once left
};

struct ServerStats {
  size_t rooms = 0;
  size_t activeRooms = 0;  // with a running pipeline
  size_t participants = 0;
  size_t sessions = 0;
  std::map<std::string, size_t> recordings;                        // by state
  std::map<std::pair<std::string, std::string>, size_t> broadcasts;  // by kind and state
};

}  // namespace plenum::mcu
