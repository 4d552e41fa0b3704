// RFC 6455 framing as the hub decodes it: table-driven over what clients
// send, whole and a byte at a time.
#include <gtest/gtest.h>

#include <vector>

#include "signaling/WebSocketFrames.hpp"

namespace plenum::signaling {
namespace {

using Kind = WebSocketEvent::Kind;

constexpr std::size_t kMax = 64 * 1024;

// A client frame: masked, as RFC 6455 requires of clients.
std::string ClientFrame(std::uint8_t first, const std::string& payload, bool masked = true) {
  std::string frame(1, static_cast<char>(first));
  const std::uint8_t mask = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(mask | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xFF));
  }
  const char key[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (masked) frame.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) frame.push_back(masked ? payload[i] ^ key[i % 4] : payload[i]);
  return frame;
}

constexpr std::uint8_t kFinText = 0x81;
constexpr std::uint8_t kText = 0x01;
constexpr std::uint8_t kFinContinuation = 0x80;
constexpr std::uint8_t kContinuation = 0x00;
constexpr std::uint8_t kFinBinary = 0x82;
constexpr std::uint8_t kClose = 0x88;
constexpr std::uint8_t kPing = 0x89;
constexpr std::uint8_t kPong = 0x8A;

std::vector<WebSocketEvent> DecodeAll(const std::string& bytes, std::size_t chunk) {
  WebSocketFrameDecoder decoder(kMax);
  std::vector<WebSocketEvent> events;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    decoder.Append(bytes.data() + at, std::min(chunk, bytes.size() - at));
    while (auto event = decoder.Next()) events.push_back(std::move(*event));
  }
  return events;
}

struct Case {
  const char* what;
  std::string bytes;
  std::vector<std::pair<Kind, std::string>> expected;
  std::uint16_t closeCode = 0;  // of the last event
};

TEST(WebSocketFrameDecoder, DecodesWhatClientsSendWholeOrByteByByte) {
  const std::string big(70000, 'x');
  const std::string medium(300, 'm');
  const std::vector<Case> cases = {
      {"a text message", ClientFrame(kFinText, R"({"type":"leave"})"), {{Kind::Text, R"({"type":"leave"})"}}},
      {"an empty one", ClientFrame(kFinText, ""), {{Kind::Text, ""}}},
      {"a 16-bit length", ClientFrame(kFinText, medium), {{Kind::Text, medium}}},
      {"fragments with a ping between",
       ClientFrame(kText, "ab") + ClientFrame(kPing, "p") + ClientFrame(kContinuation, "cd") +
           ClientFrame(kFinContinuation, "ef"),
       {{Kind::Ping, "p"}, {Kind::Text, "abcdef"}}},
      {"binary", ClientFrame(kFinBinary, "\x01\x02"), {{Kind::Binary, "\x01\x02"}}},
      {"pong", ClientFrame(kPong, ""), {{Kind::Pong, ""}}},
      {"close with a status", ClientFrame(kClose, std::string("\x03\xE8", 2) + "bye"), {{Kind::Close, "bye"}}, 1000},
      {"close without one", ClientFrame(kClose, ""), {{Kind::Close, ""}}, kCloseNoStatus},
      {"unmasked", ClientFrame(kFinText, "x", false), {{Kind::Invalid, "client frames must be masked"}},
       kCloseProtocolError},
      {"reserved bits", ClientFrame(0xC1, "x"), {{Kind::Invalid, "no extension was negotiated"}}, kCloseProtocolError},
      {"an unknown opcode", ClientFrame(0x83, "x"), {{Kind::Invalid, "unknown opcode"}}, kCloseProtocolError},
      {"a continuation of nothing", ClientFrame(kFinContinuation, "x"), {{Kind::Invalid, "continuation of nothing"}},
       kCloseProtocolError},
      {"a message inside a message", ClientFrame(kText, "a") + ClientFrame(kFinText, "b"),
       {{Kind::Invalid, "a message inside a message"}}, kCloseProtocolError},
      {"a fragmented ping", ClientFrame(0x09, "p"),
       {{Kind::Invalid, "control frames are final and at most 125 bytes"}}, kCloseProtocolError},
      {"a long ping", ClientFrame(kPing, std::string(126, 'p')),
       {{Kind::Invalid, "control frames are final and at most 125 bytes"}}, kCloseProtocolError},
      {"a one-byte close status", ClientFrame(kClose, "x"),
       {{Kind::Invalid, "a close frame's status needs two bytes"}}, kCloseProtocolError},
      {"one frame over the limit", ClientFrame(kFinText, big), {{Kind::Invalid, "messages are limited to 64 KiB"}},
       kCloseTooBig},
      {"fragments over the limit", ClientFrame(kText, std::string(40000, 'a')) + ClientFrame(kFinContinuation, std::string(40000, 'b')),
       {{Kind::Invalid, "messages are limited to 64 KiB"}}, kCloseTooBig},
      {"nothing after an error", ClientFrame(kFinText, "x", false) + ClientFrame(kFinText, "y"),
       {{Kind::Invalid, "client frames must be masked"}}, kCloseProtocolError},
  };
  for (const Case& c : cases) {
    for (std::size_t chunk : {c.bytes.size(), std::size_t{1}, std::size_t{7}}) {
      if (chunk == 0) continue;
      const auto events = DecodeAll(c.bytes, chunk);
      ASSERT_EQ(events.size(), c.expected.size()) << c.what << " in chunks of " << chunk;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].kind, c.expected[i].first) << c.what;
        EXPECT_EQ(events[i].payload, c.expected[i].second) << c.what;
      }
      if (c.closeCode != 0) EXPECT_EQ(events.back().closeCode, c.closeCode) << c.what;
    }
  }
}

// A frame header announcing more than the limit is refused before its
// payload arrives: the decoder never buffers it.
TEST(WebSocketFrameDecoder, RefusesAnOversizedFrameFromItsHeader) {
  WebSocketFrameDecoder decoder(kMax);
  const std::string header = ClientFrame(kFinText, std::string(100000, 'x')).substr(0, 14);
  decoder.Append(header.data(), header.size());
  const auto event = decoder.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, Kind::Invalid);
  EXPECT_EQ(event->closeCode, kCloseTooBig);
  EXPECT_EQ(decoder.Buffered(), 0u);
}

TEST(EncodeWebSocketFrame, UsesTheShortestLength) {
  EXPECT_EQ(EncodeWebSocketFrame(WebSocketOpcode::Text, "hi"), std::string("\x81\x02hi", 4));
  const std::string medium = EncodeWebSocketFrame(WebSocketOpcode::Text, std::string(126, 'a'));
  EXPECT_EQ(medium.substr(0, 4), std::string("\x81\x7E\x00\x7E", 4));
  EXPECT_EQ(medium.size(), 4u + 126u);
  const std::string large = EncodeWebSocketFrame(WebSocketOpcode::Binary, std::string(65536, 'a'));
  EXPECT_EQ(large.substr(0, 10), std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  EXPECT_EQ(EncodeWebSocketFrame(WebSocketOpcode::Pong, ""), std::string("\x8A\x00", 2));
}

TEST(EncodeWebSocketClose, KeepsTheReasonWithinAControlFrameAndValidUtf8) {
  EXPECT_EQ(EncodeWebSocketClose(1008, "too many messages"),
            std::string("\x88\x13\x03\xF0", 4) + "too many messages");
  std::string reason;
  for (int i = 0; i < 100; ++i) reason += "\xC3\xA9";  // é, two bytes each
  const std::string frame = EncodeWebSocketClose(1000, reason);
  const std::size_t length = static_cast<unsigned char>(frame[1]);
  EXPECT_LE(length, 125u);
  EXPECT_EQ((length - 2) % 2, 0u) << "cut inside a character";
}

}  // namespace
}  // namespace plenum::signaling
