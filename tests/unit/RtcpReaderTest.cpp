// RtcpReader on compounds RtcpWriter wrote (everything written comes back),
// on packets laid out by hand from the RFCs, and on malformed bytes, which
// must yield nothing and never read outside the datagram.
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpWriter.hpp"

namespace plenum::transport {
namespace {

using Bytes = std::vector<uint8_t>;
using Seqs = std::vector<uint16_t>;

class RtcpReaderTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

Bytes Taken(RtcpWriter& writer) {
  const auto bytes = writer.Finish();
  return {bytes.begin(), bytes.end()};
}

bool Nothing(const RtcpReader& reader) {
  return reader.SenderReports().empty() && reader.ReportBlocks().empty() && reader.Plis().empty() &&
         reader.Firs().empty() && reader.Nacks().empty() && reader.Rembs().empty();
}

const RtcpSenderInfo kInfo{0x11223344, 0xe123456789abcdefull, 12345678, 100, 16000};
const RtcpReportBlock kBlock{0xaabbccdd, 0x40, -1, 0x0001ffff, 0x20, 0x45678912, 0x00010000};
const RtcpReportBlock kOtherBlock{0x01020304, 255, 8388607, 0xffffffff, 0xffffffff, 1, 0xffffffff};

TEST_F(RtcpReaderTest, ReadsBackEverythingTheWriterWrote) {
  RtcpWriter writer;
  ASSERT_TRUE(writer.AddSenderReport(kInfo, std::vector{kBlock, kOtherBlock}));
  ASSERT_TRUE(writer.AddReceiverReport(0x99, std::vector{kOtherBlock}));
  ASSERT_TRUE(writer.AddSdesCname(kInfo.ssrc, "participant-7"));
  ASSERT_TRUE(writer.AddPli(1, 2));
  ASSERT_TRUE(writer.AddFir(3, 4, 200));
  ASSERT_EQ(writer.AddNack(5, 6, Seqs{100, 101, 103, 65535, 0, 2000}), 6u);
  ASSERT_TRUE(writer.AddPli(7, 8));
  ASSERT_TRUE(writer.AddRemb(9, 1000000, std::vector<uint32_t>{0xa, 0xb}));
  ASSERT_EQ(writer.AddNack(10, 11, Seqs{7}), 1u);
  const Bytes bytes = Taken(writer);

  RtcpReader reader;
  ASSERT_TRUE(reader.Read(bytes));
  ASSERT_EQ(reader.SenderReports().size(), 1u);
  EXPECT_EQ(reader.SenderReports()[0], kInfo);
  ASSERT_EQ(reader.ReportBlocks().size(), 3u);
  EXPECT_EQ(reader.ReportBlocks()[0], (RtcpReceivedBlock{kInfo.ssrc, kBlock}));
  EXPECT_EQ(reader.ReportBlocks()[1], (RtcpReceivedBlock{kInfo.ssrc, kOtherBlock}));
  EXPECT_EQ(reader.ReportBlocks()[2], (RtcpReceivedBlock{0x99, kOtherBlock}));
  ASSERT_EQ(reader.Plis().size(), 2u);
  EXPECT_EQ(reader.Plis()[0], (RtcpPli{1, 2}));
  EXPECT_EQ(reader.Plis()[1], (RtcpPli{7, 8}));
  ASSERT_EQ(reader.Firs().size(), 1u);
  EXPECT_EQ(reader.Firs()[0], (RtcpFir{3, 4, 200}));
  ASSERT_EQ(reader.Nacks().size(), 2u);
  EXPECT_EQ(reader.Nacks()[0].senderSsrc, 5u);
  EXPECT_EQ(reader.Nacks()[0].mediaSsrc, 6u);
  EXPECT_EQ(Seqs(reader.Nacks()[0].sequences.begin(), reader.Nacks()[0].sequences.end()),
            (Seqs{100, 101, 103, 65535, 0, 2000}));
  EXPECT_EQ(Seqs(reader.Nacks()[1].sequences.begin(), reader.Nacks()[1].sequences.end()), Seqs{7});
  ASSERT_EQ(reader.Rembs().size(), 1u);
  EXPECT_EQ(reader.Rembs()[0].senderSsrc, 9u);
  EXPECT_EQ(reader.Rembs()[0].bitrate, 1000000u);
  EXPECT_EQ(std::vector<uint32_t>(reader.Rembs()[0].ssrcs.begin(), reader.Rembs()[0].ssrcs.end()),
            (std::vector<uint32_t>{0xa, 0xb}));

  // A second read replaces the first.
  ASSERT_TRUE(writer.AddPli(1, 2));
  ASSERT_TRUE(reader.Read(Taken(writer)));
  EXPECT_EQ(reader.Plis().size(), 1u);
  EXPECT_TRUE(reader.SenderReports().empty());
  EXPECT_TRUE(reader.Nacks().empty());
}

TEST_F(RtcpReaderTest, RembBitratesSurviveTheRoundTripRoundedDown) {
  struct Row {
    uint64_t written;
    uint64_t read;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {0, 0},
      {262143, 262143},      // the largest mantissa, exponent 0
      {262144, 262144},      // exponent 1
      {1000000, 1000000},    // 250000 x 2^2
      {1000001, 1000000},    // the last bit does not fit
      {2500000000ull, 2499985408ull},  // 152587 x 2^14
      {UINT64_MAX, 0x3ffffull << 46},
  };
  // clang-format on
  RtcpWriter writer;
  RtcpReader reader;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.written);
    ASSERT_TRUE(writer.AddRemb(1, row.written, {}));
    ASSERT_TRUE(reader.Read(Taken(writer)));
    ASSERT_EQ(reader.Rembs().size(), 1u);
    EXPECT_EQ(reader.Rembs()[0].bitrate, row.read);
  }
}

TEST_F(RtcpReaderTest, ReadsPacketsLaidOutByHand) {
  struct Row {
    std::string name;
    Bytes packet;
    std::vector<RtcpPli> plis;
    std::vector<RtcpFir> firs;
    Seqs nacked;
    std::optional<uint64_t> remb;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"nack PID 100 BLP 0x0005",
       {0x81, 0xcd, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x64, 0x00, 0x05},
       {}, {}, {100, 101, 103}, std::nullopt},
      {"nack of two pairs, BLP all ones",
       {0x81, 0xcd, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  //
        0xff, 0xff, 0x00, 0x01, 0x00, 0x10, 0xff, 0xff},
       {}, {}, {65535, 0, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, std::nullopt},
      {"nack with 4 bytes of padding, not read as a pair",
       {0xa1, 0xcd, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  //
        0x00, 0x64, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04},
       {}, {}, {100, 101, 103}, std::nullopt},
      {"pli alone (reduced size)",
       {0x81, 0xce, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08},
       {{0x01020304, 0x05060708}}, {}, {}, std::nullopt},
      {"fir with two entries",
       {0x84, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
        0x00, 0x00, 0x00, 0x0a, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x00, 0x00},
       {}, {{1, 0xa, 3}, {1, 0xb, 4}}, {}, std::nullopt},
      {"remb 2^63",
       {0x8f, 0xce, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B', 0x00, 0xfc, 0x00, 0x01},
       {}, {}, {}, uint64_t{1} << 63},
      {"remb past 64 bits saturates",
       {0x8f, 0xce, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B', 0x00, 0xfc, 0x00, 0x02},
       {}, {}, {}, UINT64_MAX},
      {"rr, bye, app and transport-cc are passed over, the pli after them is not",
       {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                           // RR
        0x81, 0xcb, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,                           // BYE
        0x80, 0xcc, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 'n', 'a', 'm', 'e',       // APP
        0x8f, 0xcd, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // RTPFB 15
        0x00, 0x01, 0x00, 0x00,                                                  //
        0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09},  // PLI
       {{1, 9}}, {}, {}, std::nullopt},
  };
  // clang-format on
  RtcpReader reader;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ASSERT_TRUE(reader.Read(row.packet));
    EXPECT_EQ(std::vector<RtcpPli>(reader.Plis().begin(), reader.Plis().end()), row.plis);
    EXPECT_EQ(std::vector<RtcpFir>(reader.Firs().begin(), reader.Firs().end()), row.firs);
    if (row.nacked.empty()) {
      EXPECT_TRUE(reader.Nacks().empty());
    } else {
      ASSERT_EQ(reader.Nacks().size(), 1u);
      EXPECT_EQ(Seqs(reader.Nacks()[0].sequences.begin(), reader.Nacks()[0].sequences.end()), row.nacked);
    }
    ASSERT_EQ(reader.Rembs().size(), row.remb ? 1u : 0u);
    if (row.remb) {
      EXPECT_EQ(reader.Rembs()[0].bitrate, *row.remb);
    }
  }
}

TEST_F(RtcpReaderTest, MalformedInputYieldsNothing) {
  struct Row {
    std::string name;
    Bytes packet;
    bool accepted;  // GStreamer's validation passes it; the packet inside is still broken
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"empty", {}, false},
      {"three bytes", {0x80, 0xc9, 0x00}, false},
      {"version 1", {0x40, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01}, false},
      {"not an RTCP type first", {0x80, 0xd2, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01}, false},
      {"an RTP packet", {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}, false},
      {"length past the end", {0x81, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02}, false},
      {"bytes after the last packet", {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}, false},
      {"second packet cut short",
       {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01}, false},
      {"zero-length receiver report", {0x80, 0xc9, 0x00, 0x00}, true},
      {"zero-length pli", {0x81, 0xce, 0x00, 0x00}, true},
      {"rr claiming two blocks with room for one",
       {0x82, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0},
       true},
      {"sr claiming a block it lacks",
       {0x81, 0xc8, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true},
      {"nack without a pair",
       {0x81, 0xcd, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02}, true},
      {"fir with half an entry",
       {0x84, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0a}, true},
      {"fir without an entry", {0x84, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0}, true},
      {"remb without its identifier",
       {0x8f, 0xce, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'X', 0x00, 0x0b, 0xd0, 0x90}, true},
      {"remb listing more ssrcs than it carries",
       {0x8f, 0xce, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 0x03, 0x0b, 0xd0, 0x90, 0, 0, 0, 0x0a},
       true},
      {"remb cut before its bitrate", {0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'}, true},
      {"padding count of zero",
       {0xa1, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x64, 0x00, 0x00}, true},
      {"padding eating the header",
       {0xa1, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x64, 0x00, 0x08}, true},
      {"padding eating the report block",
       {0xa1, 0xc9, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4},
       true},
      {"sdes only", {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x01, 'a', 0x00}, true},
  };
  // clang-format on
  RtcpReader reader;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(reader.Read(row.packet), row.accepted);
    EXPECT_TRUE(Nothing(reader));
  }
}

TEST_F(RtcpReaderTest, ABrokenPacketIsSkippedAlone) {
  // A NACK without pairs between a sender report and a PLI.
  // clang-format off
  const Bytes packet = {0x80, 0xc8, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6,
                        0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2,  //
                        0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 3};
  // clang-format on
  RtcpReader reader;
  ASSERT_TRUE(reader.Read(packet));
  ASSERT_EQ(reader.SenderReports().size(), 1u);
  EXPECT_EQ(reader.SenderReports()[0], (RtcpSenderInfo{1, 0x0000000200000003ull, 4, 5, 6}));
  EXPECT_TRUE(reader.Nacks().empty());
  ASSERT_EQ(reader.Plis().size(), 1u);
  EXPECT_EQ(reader.Plis()[0], (RtcpPli{1, 3}));
}

TEST_F(RtcpReaderTest, ReadsPacketsLargerThanItsBuffer) {
  RtcpWriter writer(2000);
  std::vector<RtcpReportBlock> blocks(40, kBlock);
  ASSERT_TRUE(writer.AddReceiverReport(1, blocks));
  const Bytes bytes = Taken(writer);
  ASSERT_GT(bytes.size(), 256u);
  RtcpReader reader(256);
  ASSERT_TRUE(reader.Read(bytes));
  EXPECT_EQ(reader.ReportBlocks().size(), 40u);
  // And small ones still, in its own buffer.
  ASSERT_TRUE(writer.AddReceiverReport(2, std::vector{kOtherBlock}));
  ASSERT_TRUE(reader.Read(Taken(writer)));
  ASSERT_EQ(reader.ReportBlocks().size(), 1u);
  EXPECT_EQ(reader.ReportBlocks()[0], (RtcpReceivedBlock{2, kOtherBlock}));
}

// Every truncation of a full compound, and tens of thousands of random
// corruptions of it: no crash, nothing read from outside the bytes (run the
// suite under `meson test --setup valgrind` to have that checked), and
// whatever is read is consistent.
TEST_F(RtcpReaderTest, DamagedCompoundsNeverCrash) {
  RtcpWriter writer;
  ASSERT_TRUE(writer.AddSenderReport(kInfo, std::vector{kBlock, kOtherBlock}));
  ASSERT_TRUE(writer.AddSdesCname(1, "cname"));
  ASSERT_TRUE(writer.AddPli(1, 2));
  ASSERT_TRUE(writer.AddFir(1, 2, 3));
  ASSERT_EQ(writer.AddNack(1, 2, Seqs{1, 5, 40, 41}), 4u);
  ASSERT_TRUE(writer.AddRemb(1, 5000000, std::vector<uint32_t>{1, 2, 3}));
  const Bytes original = Taken(writer);

  RtcpReader reader;
  for (size_t length = 0; length <= original.size(); ++length) {
    reader.Read(Bytes(original.begin(), original.begin() + static_cast<long>(length)));
  }
  std::mt19937 random(20240501);
  size_t read = 0;
  for (int i = 0; i < 30000; ++i) {
    Bytes packet = original;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) packet[random() % packet.size()] ^= static_cast<uint8_t>(1 + random() % 255);
    if (random() % 4 == 0) packet.resize(random() % (packet.size() + 1));
    if (!reader.Read(packet)) {
      ASSERT_TRUE(Nothing(reader));
      continue;
    }
    ++read;
    for (const RtcpNack& nack : reader.Nacks()) ASSERT_FALSE(nack.sequences.empty());
    for (const RtcpRemb& remb : reader.Rembs()) ASSERT_LE(remb.ssrcs.size(), 255u);
  }
  EXPECT_GT(read, 0u);
}

TEST_F(RtcpReaderTest, SteadyStateAllocatesNothing) {
  RtcpWriter writer;
  RtcpReader reader;
  const Seqs lost = {100, 101, 103, 140};
  const std::vector<RtcpReportBlock> blocks = {kBlock};
  const std::vector<uint32_t> ssrcs = {1, 2};
  const auto once = [&] {
    writer.AddReceiverReport(1, blocks);
    writer.AddSdesCname(1, "participant");
    writer.AddNack(1, 2, lost);
    writer.AddPli(1, 2);
    writer.AddRemb(1, 1500000, ssrcs);
    reader.Read(writer.Finish());
  };
  once();
  const size_t allocations = test::AllocationsDuring([&] {
    for (int i = 0; i < 1000; ++i) once();
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(reader.Nacks().size(), 1u);
}

TEST(RtcpTypes, RoundTripFromAReportBlock) {
  struct Row {
    std::string name;
    uint32_t arrival;
    uint32_t lastSr;
    uint32_t delaySinceLastSr;
    std::optional<uint32_t> rttMs;
  };
  // Compact NTP: 1/65536 s; 100 ms is 6553.6 of them.
  // clang-format off
  const std::vector<Row> rows = {
      {"no sender report yet", 0x10000, 0, 0, std::nullopt},
      {"100 ms", 0x50000 + 6554, 0x40000, 0x10000, 100},
      // RFC 3550 §6.4.1, Figure 2: 46864.500 s - 46853.125 s - 5.250 s.
      {"the RFC's example", 0xb7108000, 0xb7052000, 0x00054000, 6125},
      {"across the 2^32 wrap", 0x00001000, 0xffff0000, 0x00000000, 1063},
      {"negative: the clocks disagree", 0x40000, 0x40000, 0x10, std::nullopt},
      {"zero", 0x50000, 0x40000, 0x10000, 0},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RtcpReportBlock block;
    block.lastSr = row.lastSr;
    block.delaySinceLastSr = row.delaySinceLastSr;
    EXPECT_EQ(RoundTripMs(row.arrival, block), row.rttMs);
  }
  EXPECT_EQ(CompactNtp(0xe123456789abcdefull), 0x456789abu);
}

}  // namespace
}  // namespace plenum::transport
