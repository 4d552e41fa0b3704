// JSON <-> typed messages for the WebSocket protocol (PROTOCOL.md section 1).
// Pure functions: no sockets, no threads.
#pragma once

#include <string>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"
#include "mcu/ParticipantChannel.hpp"

namespace plenum::signaling {

// Throws mcu::ProtocolError(bad-request) naming what is wrong.
mcu::ClientRequest ParseClientMessage(const std::string& text);

std::string EncodeJoined(const mcu::JoinedEvent& event);
std::string EncodeAnswer(const std::string& sdp);
std::string EncodeCandidate(const mcu::IceCandidate& candidate);
std::string EncodeParticipantJoined(const mcu::ParticipantInfo& participant);
std::string EncodeParticipantLeft(const std::string& participant);
std::string EncodeSpeaker(const std::string& participant);  // empty -> null
// Plenum's extension: someone else's mute state changed.
std::string EncodeParticipantMuted(const mcu::ParticipantInfo& participant);
std::string EncodeRecording(bool active);
// room-live (Plenum's extension): {"live", "kinds", "watch"?}.
std::string EncodeRoomLive(const mcu::RoomLive& live);
// connection (Plenum's extension, the answer to get-connection): the
// participant's own report, the object GET /api/v1/rooms/{room}/participants/{id}
// returns, with "type" added.
std::string EncodeConnection(const mcu::ParticipantReport& report);
std::string EncodeError(mcu::ErrorCode code, const std::string& message);

}  // namespace plenum::signaling
