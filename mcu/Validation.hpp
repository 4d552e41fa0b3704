// Checks on identifiers that the protocol constrains (PROTOCOL.md:
// "Room ids and participant names are 1-64 characters; room ids use only
// [A-Za-z0-9_-]"). Throw ProtocolError(bad-request) with a message that
// says which rule was broken.
#pragma once

#include <string>

#include "mcu/Messages.hpp"

namespace plenum::mcu {

inline constexpr int kMaxParticipantsLimit = 256;
inline constexpr const char* kLayouts[] = {"grid"};

void ValidateRoomId(const std::string& room);
void ValidateName(const std::string& name);
void ValidateRoomSettings(const RoomSettings& settings);

// Characters (code points) in a UTF-8 string; -1 when it is not valid UTF-8.
int Utf8Length(const std::string& text);

}  // namespace plenum::mcu
