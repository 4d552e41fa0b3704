#pragma once

#include <string>

namespace plenum::mcu {

class Room;

// What a room reports upward to whoever owns it (mediasoup-style listener,
// no back-pointer to the owner).
class RoomListener {
 public:
  virtual ~RoomListener() = default;
  // The participant's media failed; the owner should end its session.
  virtual void OnParticipantFailed(Room& room, const std::string& participant, const std::string& reason) = 0;
  // The room's media failed; the owner should close the room.
  virtual void OnRoomFailed(Room& room, const std::string& reason) = 0;
};

}  // namespace plenum::mcu
