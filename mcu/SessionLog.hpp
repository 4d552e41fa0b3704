// The lines an administrator greps for: one per join, leave and failure,
// in a fixed "event key=value ..." shape, each also naming its room and
// participant to the journal (PLENUM_ROOM, PLENUM_PARTICIPANT):
//
//   join room=council participant=6d7eac1d736994ea name="Ana Lima" address=10.0.0.5 transport=wss
//   leave room=council participant=6d7eac1d736994ea reason=socket-closed duration=312s
//   failure room=council participant=6d7eac1d736994ea step=ice reason=failed
//   failure room=council step=join reason=room-full address=10.0.0.7 transport=ws message="the room is full"
//
// Joins and leaves at INFO, failures at WARNING. Nothing secret goes in:
// no token, key or password is ever one of the fields.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"

namespace plenum::mcu {

// Where a session's WebSocket came from: the client's address (a reverse
// proxy's, behind one) and ws or wss.
struct SessionOrigin {
  std::string address;
  std::string transport;
};

using EventFields = std::vector<std::pair<std::string, std::string>>;

// "event key=value ...". A value that is empty or holds anything but
// letters, digits and ._:@/+- is quoted, with \" \\ and control characters
// escaped (a name or a refused room id cannot forge a line); values are
// cut at 200 bytes.
std::string EventLine(std::string_view event, const EventFields& fields);

void LogJoin(const std::string& room, const ParticipantInfo& participant, const SessionOrigin& origin);
// `reason`: leave, socket-closed, room-closed, failed, server-shutdown.
void LogLeave(const std::string& room, const ParticipantInfo& participant, const std::string& reason);
// A participant's connection failed at `step` (ice, dtls, connection,
// media) for `reason`.
void LogConnectionFailure(const std::string& room, const std::string& participant, const std::string& step,
                          const std::string& reason);
// A join refused with `code` (room-full, unauthorized, ...): no
// participant was made. `room` as the client asked.
void LogRefusedJoin(const std::string& room, ErrorCode code, const std::string& message, const SessionOrigin& origin);

}  // namespace plenum::mcu
