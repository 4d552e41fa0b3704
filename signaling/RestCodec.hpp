// JSON for the REST API's bodies. Pure functions.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"

namespace plenum::signaling {

// `{"id"?, "maxParticipants"?, "layout"?}`; a missing id is generated.
// Throws ProtocolError(bad-request); the settings are validated by the
// same function the server uses for every room.
mcu::RoomSettings ParseRoomSettings(const std::string& body, int defaultMaxParticipants);
// A request body that must be a JSON object (empty means {}). Throws
// ProtocolError(bad-request).
Poco::JSON::Object::Ptr ParseBodyObject(const std::string& body);

// `{"kind", "url"?}`. Throws ProtocolError(bad-request) for a body that is
// not that shape; the kind and URL themselves are checked by the room.
mcu::BroadcastRequest ParseBroadcastRequest(const std::string& body);

Poco::JSON::Object RoomToJson(const mcu::RoomInfo& room);
// A participant with its connection (GET /api/v1/rooms/{room}/participants/{id}):
// the fields of a Room's participant, plus room, state, timeline,
// timelineDropped and rates.
Poco::JSON::Object ParticipantReportToJson(const mcu::ParticipantReport& report);
// PROTOCOL.md's Broadcast.
Poco::JSON::Object BroadcastToJson(const mcu::BroadcastInfo& broadcast);
// PROTOCOL.md's Recording; the manifest (parsed) only when asked for one.
Poco::JSON::Object RecordingToJson(const mcu::RecordingInfo& recording, bool withManifest);
std::string ErrorBody(mcu::ErrorCode code, const std::string& message);
std::string FormatTime(mcu::TimePoint time);
// RFC 3339 UTC with milliseconds: 2026-01-31T09:15:02.345Z.
std::string FormatTimeMillis(mcu::TimePoint time);

}  // namespace plenum::signaling
