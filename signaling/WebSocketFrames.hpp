// RFC 6455 framing for the server side, on bytes rather than on a socket,
// so that one thread can serve every WebSocket without blocking on any of
// them (Poco's WebSocket reads a whole frame with blocking reads; a client
// that sends half a frame would hold the thread). Pure: no I/O, no Poco.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plenum::signaling {

// What a client sent: a whole message (fragments joined) or a control
// frame. `Invalid` ends the connection with `closeCode` and `payload` as
// the reason.
struct WebSocketEvent {
  enum class Kind { Text, Binary, Ping, Pong, Close, Invalid };
  Kind kind;
  std::string payload;
  std::uint16_t closeCode = 0;  // Close: the client's code (1005 if none); Invalid: ours
};

// Close codes of RFC 6455 section 7.4.1 that the server sends.
constexpr std::uint16_t kCloseNormal = 1000;
constexpr std::uint16_t kCloseGoingAway = 1001;
constexpr std::uint16_t kCloseProtocolError = 1002;
constexpr std::uint16_t kCloseNoStatus = 1005;
constexpr std::uint16_t kClosePolicyViolation = 1008;
constexpr std::uint16_t kCloseTooBig = 1009;

class WebSocketFrameDecoder {
 public:
  // Messages (all fragments together) over maxMessageBytes are refused
  // with 1009, as soon as a frame header announces them.
  explicit WebSocketFrameDecoder(std::size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

  void Append(const char* data, std::size_t size);
  // The next whole event, or nothing until more bytes arrive. After an
  // Invalid event it returns nothing for ever.
  std::optional<WebSocketEvent> Next();

  // Bytes received but not yet decoded (bounded by one frame).
  std::size_t Buffered() const { return buffer_.size() - offset_; }

 private:
  std::optional<WebSocketEvent> Fail(std::uint16_t code, std::string reason);

  const std::size_t maxMessageBytes_;
  std::string buffer_;
  std::size_t offset_ = 0;  // start of the undecoded bytes in buffer_
  std::string message_;     // fragments of a message so far
  bool inMessage_ = false;
  bool messageIsText_ = false;
  bool failed_ = false;
};

enum class WebSocketOpcode : std::uint8_t { Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

// One unmasked, final frame from the server.
std::string EncodeWebSocketFrame(WebSocketOpcode opcode, std::string_view payload);
// A close frame with a status code and a reason (cut to fit a control frame).
std::string EncodeWebSocketClose(std::uint16_t code, std::string_view reason);

}  // namespace plenum::signaling
