// libFuzzer target: the body of POST /api/v1/rooms. RestApi turns
// ProtocolError into a 4xx; anything else would be a 500.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"
#include "mcu/Validation.hpp"
#include "signaling/RestCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    const plenum::mcu::RoomSettings settings = plenum::signaling::ParseRoomSettings(body, 16);
    plenum::mcu::ValidateRoomSettings(settings);
  } catch (const plenum::mcu::ProtocolError&) {
  }
  return 0;
}
