// The protocol's error codes (PROTOCOL.md section 1) and the typed
// exception that carries them from the control plane to the signaling edge.
#pragma once

#include <stdexcept>
#include <string>

namespace plenum::mcu {

enum class ErrorCode {
  BadRequest,
  Unauthorized,
  RoomFull,
  NotJoined,
  AlreadyJoined,
  UnsupportedMedia,
  RoomClosed,
  Internal,
  // REST only.
  NotFound,
  Conflict,
};

const char* ToString(ErrorCode code);

class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace plenum::mcu
