// libFuzzer target: the bytes of a WebSocket, as a client sends them, cut
// into reads where the input says. The decoder must never buffer more than
// a frame, and must say nothing after it has refused the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "signaling/WebSocketFrames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr std::size_t kMax = 4096;  // small, so that limits are reached
  plenum::signaling::WebSocketFrameDecoder decoder(kMax);
  bool failed = false;
  std::size_t at = 0;
  while (at < size) {
    // The first byte of each step says how many bytes the read brings.
    const std::size_t chunk = 1 + data[at] % 64;
    ++at;
    const std::size_t take = std::min(chunk, size - at);
    decoder.Append(reinterpret_cast<const char*>(data + at), take);
    at += take;
    while (auto event = decoder.Next()) {
      if (failed) std::abort();  // an event after the stream was refused
      if (event->kind == plenum::signaling::WebSocketEvent::Kind::Invalid) failed = true;
      if (event->kind == plenum::signaling::WebSocketEvent::Kind::Text && event->payload.size() > kMax) std::abort();
    }
    if (decoder.Buffered() > kMax + 14 + 64) std::abort();
  }
  return 0;
}
