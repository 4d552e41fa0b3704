// The way back to one participant's client (one WebSocket), as the control
// thread sees it. Implemented by signaling/; every call comes from the
// control thread and must not block (implementations queue the message).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"

namespace plenum::mcu {

// One entry of `joined.iceServers`, in RTCPeerConnection form.
struct IceServer {
  std::string url;  // stun:host:port or turn:host:port
  std::string username;
  std::string credential;
};

struct JoinedEvent {
  std::string room;
  std::string participant;
  std::vector<ParticipantInfo> others;
  bool recording = false;
  std::vector<IceServer> iceServers;
};

class ParticipantChannel {
 public:
  virtual ~ParticipantChannel() = default;
  virtual void SendJoined(const JoinedEvent& event) = 0;
  virtual void SendAnswer(const std::string& sdp) = 0;
  virtual void SendCandidate(const IceCandidate& candidate) = 0;
  virtual void SendParticipantJoined(const ParticipantInfo& participant) = 0;
  virtual void SendParticipantLeft(const std::string& participant) = 0;
  // Someone else muted or unmuted (their current state).
  virtual void SendParticipantMuted(const ParticipantInfo& participant) = 0;
  // Empty: nobody is speaking (sent as null).
  virtual void SendSpeaker(const std::string& participant) = 0;
  virtual void SendRecording(bool active) = 0;
  // The room went live, off air, or its live outputs changed.
  virtual void SendRoomLive(const RoomLive& live) = 0;
  // The participant's own connection, as it asked (get-connection).
  virtual void SendConnection(const ParticipantReport& report) = 0;
  virtual void SendError(ErrorCode code, const std::string& message) = 0;
  // The server ends the session: flush what is queued, then close.
  virtual void Close() = 0;
};

}  // namespace plenum::mcu
