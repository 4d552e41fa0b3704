// libFuzzer target: a WebSocket text message as a client sends it. The
// session loop catches ProtocolError only; anything else escaping the
// parser or the validation after it would end the session thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"
#include "mcu/Validation.hpp"
#include "signaling/ProtocolCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const plenum::mcu::ClientRequest request = plenum::signaling::ParseClientMessage(text);
    if (const auto* join = std::get_if<plenum::mcu::JoinRequest>(&request)) {
      plenum::mcu::ValidateRoomId(join->room);
      plenum::mcu::ValidateName(join->name);
    }
  } catch (const plenum::mcu::ProtocolError&) {
    // A clear error for the client: what bad input must get.
  }
  return 0;
}
