#include "signaling/WebSocketFrames.hpp"

#include <algorithm>

namespace plenum::signaling {
namespace {

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kReservedBits = 0x70;
constexpr std::uint8_t kOpcodeMask = 0x0F;
constexpr std::uint8_t kMasked = 0x80;
constexpr std::uint8_t kLengthMask = 0x7F;
constexpr std::uint8_t kOpContinuation = 0x0;
constexpr std::size_t kMaxControlPayload = 125;

bool IsControl(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

}  // namespace

void WebSocketFrameDecoder::Append(const char* data, std::size_t size) {
  if (failed_) return;
  // Drop what was decoded before growing, so the buffer stays about one frame.
  if (offset_ > 0 && offset_ * 2 >= buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
}

std::optional<WebSocketEvent> WebSocketFrameDecoder::Fail(std::uint16_t code, std::string reason) {
  failed_ = true;
  buffer_.clear();
  offset_ = 0;
  message_.clear();
  return WebSocketEvent{WebSocketEvent::Kind::Invalid, std::move(reason), code};
}

std::optional<WebSocketEvent> WebSocketFrameDecoder::Next() {
  while (!failed_) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(buffer_.data()) + offset_;
    const std::size_t available = buffer_.size() - offset_;
    if (available < 2) return std::nullopt;

    const std::uint8_t opcode = bytes[0] & kOpcodeMask;
    const bool fin = (bytes[0] & kFin) != 0;
    if (bytes[0] & kReservedBits) return Fail(kCloseProtocolError, "no extension was negotiated");
    if (!(bytes[1] & kMasked)) return Fail(kCloseProtocolError, "client frames must be masked");
    const bool known = opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
    if (!known) return Fail(kCloseProtocolError, "unknown opcode");

    // The header: 2 bytes, an extended length of 0, 2 or 8, the 4-byte mask.
    std::size_t header = 2;
    std::uint64_t length = bytes[1] & kLengthMask;
    if (length == 126) {
      header += 2;
      if (available < header) return std::nullopt;
      length = (std::uint64_t{bytes[2]} << 8) | bytes[3];
    } else if (length == 127) {
      header += 8;
      if (available < header) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | bytes[2 + i];
    }
    if (IsControl(opcode) && (!fin || length > kMaxControlPayload))
      return Fail(kCloseProtocolError, "control frames are final and at most 125 bytes");
    if (!IsControl(opcode)) {
      if (opcode == kOpContinuation && !inMessage_) return Fail(kCloseProtocolError, "continuation of nothing");
      if (opcode != kOpContinuation && inMessage_) return Fail(kCloseProtocolError, "a message inside a message");
      const std::size_t sofar = inMessage_ ? message_.size() : 0;
      if (length > maxMessageBytes_ || sofar + length > maxMessageBytes_)
        return Fail(kCloseTooBig, "messages are limited to " + std::to_string(maxMessageBytes_ / 1024) + " KiB");
    }
    header += 4;
    if (available < header + length) return std::nullopt;

    // Unmask in place of a copy: the payload is needed once.
    const unsigned char* mask = bytes + header - 4;
    std::string payload(reinterpret_cast<const char*>(bytes + header), static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
    offset_ += header + static_cast<std::size_t>(length);

    switch (opcode) {
      case static_cast<std::uint8_t>(WebSocketOpcode::Ping):
        return WebSocketEvent{WebSocketEvent::Kind::Ping, std::move(payload)};
      case static_cast<std::uint8_t>(WebSocketOpcode::Pong):
        return WebSocketEvent{WebSocketEvent::Kind::Pong, std::move(payload)};
      case static_cast<std::uint8_t>(WebSocketOpcode::Close): {
        if (payload.size() == 1) return Fail(kCloseProtocolError, "a close frame's status needs two bytes");
        WebSocketEvent close{WebSocketEvent::Kind::Close, {}, kCloseNoStatus};
        if (payload.size() >= 2) {
          close.closeCode = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                       static_cast<unsigned char>(payload[1]));
          close.payload = payload.substr(2);
        }
        return close;
      }
      default: break;
    }
    if (opcode != kOpContinuation) {
      inMessage_ = true;
      messageIsText_ = opcode == static_cast<std::uint8_t>(WebSocketOpcode::Text);
    }
    message_.append(payload);
    if (!fin) continue;  // more fragments follow
    inMessage_ = false;
    WebSocketEvent message{messageIsText_ ? WebSocketEvent::Kind::Text : WebSocketEvent::Kind::Binary, {}};
    std::swap(message.payload, message_);
    return message;
  }
  return std::nullopt;
}

std::string EncodeWebSocketFrame(WebSocketOpcode opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 10);
  frame.push_back(static_cast<char>(kFin | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t length = payload.size();
  if (length < 126) {
    frame.push_back(static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>(length >> 8));
    frame.push_back(static_cast<char>(length & 0xFF));
  } else {
    frame.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((length >> shift) & 0xFF));
  }
  frame.append(payload);
  return frame;
}

std::string EncodeWebSocketClose(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  // Cut at a character boundary: the reason is UTF-8 and must stay so.
  std::size_t keep = std::min(reason.size(), kMaxControlPayload - 2);
  while (keep > 0 && keep < reason.size() && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  payload.append(reason.substr(0, keep));
  return EncodeWebSocketFrame(WebSocketOpcode::Close, payload);
}

}  // namespace plenum::signaling
