#include "mcu/Validation.hpp"

#include <algorithm>

#include "mcu/ErrorCode.hpp"

namespace plenum::mcu {

int Utf8Length(const std::string& text) {
  int count = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t width = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (width == 0 || i + width > text.size()) return -1;
    for (size_t k = 1; k < width; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return -1;
    }
    i += width;
    ++count;
  }
  return count;
}

void ValidateRoomId(const std::string& room) {
  const bool charsOk = std::all_of(room.begin(), room.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (room.empty() || room.size() > 64 || !charsOk) {
    throw ProtocolError(ErrorCode::BadRequest, "room ids are 1-64 characters of [A-Za-z0-9_-]");
  }
}

void ValidateName(const std::string& name) {
  const int length = Utf8Length(name);
  bool control = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (length < 1 || length > 64 || control) {
    throw ProtocolError(ErrorCode::BadRequest, "names are 1-64 characters of UTF-8 text");
  }
}

void ValidateRoomSettings(const RoomSettings& settings) {
  ValidateRoomId(settings.id);
  if (settings.maxParticipants < 1 || settings.maxParticipants > kMaxParticipantsLimit) {
    throw ProtocolError(ErrorCode::BadRequest,
                        "maxParticipants must be between 1 and " + std::to_string(kMaxParticipantsLimit));
  }
  if (std::find(std::begin(kLayouts), std::end(kLayouts), settings.layout) == std::end(kLayouts)) {
    throw ProtocolError(ErrorCode::BadRequest, "unknown layout '" + settings.layout + "' (available: grid)");
  }
}

}  // namespace plenum::mcu
