// RtpPacketView and RtpPacketWriter on hand-written packets laid out as
// RFC 3550 §5.1 and RFC 8285 §4.2 draw them, on packets GStreamer's own
// rtp library builds, and on damaged bytes that must come back invalid
// without a crash.
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "transport/RtpPacketView.hpp"
#include "transport/RtpPacketWriter.hpp"

namespace plenum::transport {
namespace {

using Bytes = std::vector<uint8_t>;

class RtpPacketViewTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

// V=2, PT 111, seq 0x1234, ts 123456, SSRC 0xdeadbeef: a header and nothing else.
const Bytes kMinimal = {0x80, 0x6f, 0x12, 0x34, 0x00, 0x01, 0xe2, 0x40, 0xde, 0xad, 0xbe, 0xef};

// X=1, a one-byte-form block (0xBEDE) of two words: id 1 (audio level,
// V set, level 42), id 3 (mid "a1"), then padding; two payload bytes.
// clang-format off
const Bytes kWithExtensions = {0x90, 0x6f, 0x00, 0x0a, 0x00, 0x00, 0x03, 0xc0, 0x01, 0x02, 0x03, 0x04,
                               0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x31, 0x61, 0x31, 0x00, 0x00, 0x00,
                               0xf0, 0xf1};
// clang-format on

struct Parsed {
  std::string name;
  Bytes packet;
  uint32_t ssrc;
  uint16_t sequence;
  uint32_t timestamp;
  uint8_t payloadType;
  bool marker;
  size_t headerLength;
  Bytes payload;
};

TEST_F(RtpPacketViewTest, ReadsHeaderFieldsAndPayload) {
  // clang-format off
  const std::vector<Parsed> rows = {
      {"header only", kMinimal, 0xdeadbeef, 0x1234, 123456, 111, false, 12, {}},
      {"marker and payload",
       {0x80, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc},
       0x11223344, 0xffff, 0xffffffff, 111, true, 12, {0xaa, 0xbb, 0xcc}},
      {"two csrcs",
       {0x82, 0x60, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01,  //
        0xc5, 0xc5, 0xc5, 0xc5, 0xc6, 0xc6, 0xc6, 0xc6, 0x01, 0x02},
       1, 7, 9, 96, false, 20, {0x01, 0x02}},
      {"one-byte extensions", kWithExtensions, 0x01020304, 10, 960, 111, false, 24, {0xf0, 0xf1}},
      {"padding is not payload",
       {0xa0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x02, 0x03, 0x00, 0x00, 0x03},
       5, 1, 0, 96, false, 12, {0x01, 0x02, 0x03}},
      {"two-byte extension form",
       {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  //
        0x10, 0x00, 0x00, 0x01, 0x01, 0x01, 0xaa, 0x00, 0x42},
       5, 1, 0, 96, false, 20, {0x42}},
  };
  // clang-format on
  for (const Parsed& row : rows) {
    SCOPED_TRACE(row.name);
    const RtpPacketView view(row.packet);
    ASSERT_TRUE(view.IsValid());
    EXPECT_EQ(view.Ssrc(), row.ssrc);
    EXPECT_EQ(view.SequenceNumber(), row.sequence);
    EXPECT_EQ(view.Timestamp(), row.timestamp);
    EXPECT_EQ(view.PayloadType(), row.payloadType);
    EXPECT_EQ(view.Marker(), row.marker);
    EXPECT_EQ(view.HeaderLength(), row.headerLength);
    EXPECT_EQ(Bytes(view.Payload().begin(), view.Payload().end()), row.payload);
    if (!row.payload.empty()) {
      // Into the caller's bytes, not a copy.
      EXPECT_EQ(view.Payload().data(), row.packet.data() + row.headerLength);
    }
  }
}

TEST_F(RtpPacketViewTest, FindsOneByteExtensionsById) {
  struct Row {
    std::string name;
    Bytes packet;
    uint8_t id;
    std::optional<Bytes> value;
  };
  // clang-format off
  const Bytes twoByteForm = {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
                             0x10, 0x00, 0x00, 0x01, 0x01, 0x01, 0xaa, 0x00};
  const std::vector<Row> rows = {
      {"audio level", kWithExtensions, 1, Bytes{0xaa}},
      {"mid", kWithExtensions, 3, Bytes{'a', '1'}},
      {"absent id", kWithExtensions, 2, std::nullopt},
      {"id 0 is padding, not an element", kWithExtensions, 0, std::nullopt},
      {"id 15 ends a block", kWithExtensions, 15, std::nullopt},
      {"past the one-byte range", kWithExtensions, 200, std::nullopt},
      {"no extension at all", kMinimal, 1, std::nullopt},
      {"two-byte form is not read as one-byte", twoByteForm, 1, std::nullopt},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const RtpPacketView view(row.packet);
    ASSERT_TRUE(view.IsValid());
    const auto value = view.OneByteExtension(row.id);
    ASSERT_EQ(value.has_value(), row.value.has_value());
    if (value) {
      EXPECT_EQ(Bytes(value->begin(), value->end()), *row.value);
    }
  }
  // RFC 6464: the V bit on top, -dBov below it.
  const RtpPacketView view(kWithExtensions);
  const uint8_t level = (*view.OneByteExtension(1))[0];
  EXPECT_TRUE(level & 0x80);
  EXPECT_EQ(level & 0x7f, 42);
}

TEST_F(RtpPacketViewTest, RefusesWhatDoesNotParse) {
  struct Row {
    std::string name;
    Bytes packet;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"empty", {}},
      {"shorter than a header", {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
      {"version 1", {0x40, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}},
      {"version 0 (STUN)", {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0x00, 0x00, 0x00, 0x01}},
      {"an RTCP sender report", {0x80, 0xc8, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}},
      {"csrcs past the end", {0x8f, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}},
      {"extension bit, no extension", {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xbe}},
      {"extension longer than the packet",
       {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xbe, 0xde, 0x00, 0x05, 0x10, 0xaa,
        0x00, 0x00}},
      {"padding longer than the packet",
       {0xa0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xff}},
      {"padding eating the header",
       {0xa0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0d}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const RtpPacketView view(row.packet);
    EXPECT_FALSE(view.IsValid());
    EXPECT_FALSE(view);
    EXPECT_EQ(view.Ssrc(), 0u);
    EXPECT_EQ(view.SequenceNumber(), 0u);
    EXPECT_EQ(view.Timestamp(), 0u);
    EXPECT_EQ(view.PayloadType(), 0u);
    EXPECT_FALSE(view.Marker());
    EXPECT_EQ(view.HeaderLength(), 0u);
    EXPECT_TRUE(view.Payload().empty());
    EXPECT_FALSE(view.OneByteExtension(1));
  }
}

// Whatever a socket delivers: every truncation and thousands of random
// corruptions of valid packets either parse within their bytes or not at all.
TEST_F(RtpPacketViewTest, DamagedPacketsNeverReadOutsideTheirBytes) {
  const auto check = [](const Bytes& packet) {
    const RtpPacketView view(packet);
    if (!view) return;
    ASSERT_LE(view.HeaderLength() + view.Payload().size(), packet.size());
    if (!view.Payload().empty()) {
      ASSERT_GE(view.Payload().data(), packet.data());
      ASSERT_LE(view.Payload().data() + view.Payload().size(), packet.data() + packet.size());
    }
    for (uint8_t id = 0; id < 16; ++id) {
      if (const auto value = view.OneByteExtension(id)) {
        ASSERT_GE(value->data(), packet.data());
        ASSERT_LE(value->data() + value->size(), packet.data() + view.HeaderLength());
      }
    }
  };
  for (const Bytes& original : {kMinimal, kWithExtensions}) {
    for (size_t length = 0; length <= original.size(); ++length)
      check(Bytes(original.begin(), original.begin() + static_cast<long>(length)));
  }
  std::mt19937 random(20240501);
  for (int i = 0; i < 20000; ++i) {
    Bytes packet = kWithExtensions;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) packet[random() % packet.size()] ^= static_cast<uint8_t>(1 + random() % 255);
    if (random() % 4 == 0) packet.resize(random() % (packet.size() + 1));
    check(packet);
    if (HasFatalFailure()) return;
  }
}

TEST_F(RtpPacketViewTest, ReadsWhatGStreamerWrites) {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(4, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  ASSERT_TRUE(gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp));
  gst_rtp_buffer_set_ssrc(&rtp, 0xcafef00d);
  gst_rtp_buffer_set_seq(&rtp, 65535);
  gst_rtp_buffer_set_timestamp(&rtp, 4000000000u);
  gst_rtp_buffer_set_payload_type(&rtp, 100);
  gst_rtp_buffer_set_marker(&rtp, TRUE);
  const uint8_t level = 0x05;
  const char mid[] = "video";
  ASSERT_TRUE(gst_rtp_buffer_add_extension_onebyte_header(&rtp, 1, &level, 1));
  ASSERT_TRUE(gst_rtp_buffer_add_extension_onebyte_header(&rtp, 9, mid, 5));
  gst_rtp_buffer_unmap(&rtp);
  Bytes packet(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, packet.data(), packet.size());
  gst_buffer_unref(buffer);

  const RtpPacketView view(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view.Ssrc(), 0xcafef00du);
  EXPECT_EQ(view.SequenceNumber(), 65535);
  EXPECT_EQ(view.Timestamp(), 4000000000u);
  EXPECT_EQ(view.PayloadType(), 100);
  EXPECT_TRUE(view.Marker());
  EXPECT_EQ(view.Payload().size(), 4u);
  EXPECT_EQ(view.HeaderLength(), packet.size() - 4);
  EXPECT_EQ(Bytes(view.OneByteExtension(1)->begin(), view.OneByteExtension(1)->end()), Bytes{0x05});
  const auto found = view.OneByteExtension(9);
  ASSERT_TRUE(found);
  EXPECT_EQ(std::string(found->begin(), found->end()), "video");
}

TEST_F(RtpPacketViewTest, MovesKeepTheParse) {
  RtpPacketView first(kWithExtensions);
  RtpPacketView second(std::move(first));
  EXPECT_FALSE(first.IsValid());  // NOLINT(bugprone-use-after-move): moved-from is defined as invalid
  ASSERT_TRUE(second);
  EXPECT_EQ(second.SequenceNumber(), 10);
  RtpPacketView third(kMinimal);
  third = std::move(second);
  EXPECT_EQ(third.SequenceNumber(), 10);
  EXPECT_EQ(third.OneByteExtension(3)->size(), 2u);
}

TEST_F(RtpPacketViewTest, WriterRewritesTheHeaderInPlace) {
  struct Row {
    std::string name;
    std::optional<uint32_t> ssrc;
    std::optional<uint16_t> sequence;
    std::optional<uint32_t> timestamp;
    Bytes expected;
  };
  // Only bytes 2..11 may change; the extension and payload stay as they were.
  auto with = [](std::initializer_list<std::pair<size_t, uint8_t>> changes) {
    Bytes bytes = kWithExtensions;
    for (const auto& [index, value] : changes) bytes[index] = value;
    return bytes;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"nothing", std::nullopt, std::nullopt, std::nullopt, kWithExtensions},
      {"ssrc", 0xa1b2c3d4, std::nullopt, std::nullopt, with({{8, 0xa1}, {9, 0xb2}, {10, 0xc3}, {11, 0xd4}})},
      {"sequence", std::nullopt, 0xfffe, std::nullopt, with({{2, 0xff}, {3, 0xfe}})},
      {"timestamp", std::nullopt, std::nullopt, 0x01000000, with({{4, 0x01}, {5, 0x00}, {6, 0x00}, {7, 0x00}})},
      {"all three", 0, 0, 0, with({{2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}, {8, 0}, {9, 0}, {10, 0}, {11, 0}})},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Bytes packet = kWithExtensions;
    {
      RtpPacketWriter writer(packet);
      ASSERT_TRUE(writer);
      if (row.ssrc) writer.SetSsrc(*row.ssrc);
      if (row.sequence) writer.SetSequenceNumber(*row.sequence);
      if (row.timestamp) writer.SetTimestamp(*row.timestamp);
      // Visible at once: the writer maps the caller's bytes, not a copy.
      EXPECT_EQ(packet, row.expected);
    }
    EXPECT_EQ(packet, row.expected);
    const RtpPacketView view(packet);
    if (row.ssrc) {
      EXPECT_EQ(view.Ssrc(), *row.ssrc);
    }
    if (row.sequence) {
      EXPECT_EQ(view.SequenceNumber(), *row.sequence);
    }
    if (row.timestamp) {
      EXPECT_EQ(view.Timestamp(), *row.timestamp);
    }
  }
}

TEST_F(RtpPacketViewTest, WriterRewritesThePayloadTypeAndKeepsTheMarker) {
  struct Row {
    std::string name;
    Bytes packet;
    uint8_t payloadType;
    uint8_t expectedSecondByte;  // M and PT
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"no marker", kWithExtensions, 96, 0x60},
      {"marker kept", {0x80, 0xef, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xaa}, 96, 0xe0},
      {"to zero", kMinimal, 0, 0x00},
      {"to the largest", kMinimal, 127, 0x7f},
      {"past 7 bits: left alone", kMinimal, 128, 0x6f},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Bytes packet = row.packet;
    {
      RtpPacketWriter writer(packet);
      ASSERT_TRUE(writer);
      writer.SetPayloadType(row.payloadType);
    }
    Bytes expected = row.packet;
    expected[1] = row.expectedSecondByte;
    EXPECT_EQ(packet, expected) << "only the payload type's 7 bits change";
    const RtpPacketView view(packet);
    EXPECT_EQ(view.PayloadType(), row.expectedSecondByte & 0x7f);
    EXPECT_EQ(view.Marker(), (row.expectedSecondByte & 0x80) != 0);
  }
}

TEST_F(RtpPacketViewTest, WriterLeavesWhatDoesNotParseAlone) {
  for (Bytes packet : {Bytes{}, Bytes{0x80, 0x60, 0x00},
                       Bytes{0x80, 0xc8, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}}) {
    const Bytes before = packet;
    RtpPacketWriter writer(packet);
    EXPECT_FALSE(writer);
    writer.SetSsrc(1);
    writer.SetSequenceNumber(2);
    writer.SetTimestamp(3);
    writer.SetPayloadType(96);
    EXPECT_EQ(packet, before);
  }
}

}  // namespace
}  // namespace plenum::transport
