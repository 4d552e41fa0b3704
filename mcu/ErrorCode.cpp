#include "mcu/ErrorCode.hpp"

namespace plenum::mcu {

const char* ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest: return "bad-request";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::RoomFull: return "room-full";
    case ErrorCode::NotJoined: return "not-joined";
    case ErrorCode::AlreadyJoined: return "already-joined";
    case ErrorCode::UnsupportedMedia: return "unsupported-media";
    case ErrorCode::RoomClosed: return "room-closed";
    case ErrorCode::Internal: return "internal";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::Conflict: return "conflict";
  }
  return "internal";
}

}  // namespace plenum::mcu
