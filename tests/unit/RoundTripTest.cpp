// RoundTrip on report blocks laid out by hand, then a whole report cycle
// between two ends, each block and sender info going through RtcpWriter and
// RtcpReader: the SR's sender info and report blocks, the RR's, and a REMB
// come back field for field, and the round trip comes out exactly as the
// one-way delays add up.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transport/ReceiveStatistics.hpp"
#include "transport/RoundTrip.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpWriter.hpp"
#include "transport/SendStatistics.hpp"

namespace plenum::transport {
namespace {

constexpr int64_t kStartUs = 50000000;

RtcpReportBlock Block(uint32_t lastSr, uint32_t delaySinceLastSr) {
  RtcpReportBlock block;
  block.ssrc = 1;
  block.lastSr = lastSr;
  block.delaySinceLastSr = delaySinceLastSr;
  return block;
}

TEST(RoundTrip, ArrivalLessSentLessTheReportersDelay) {
  struct Row {
    std::string name;
    RtcpReportBlock block;
    int64_t arrivalUs;
    std::optional<int64_t> roundTripUs;
  };
  // Our SR with NTP 0x...1234_5678_0000... left at kStartUs.
  const uint64_t ntp = 0xe1231234567890abull;
  const uint32_t lsr = CompactNtp(ntp);
  // clang-format off
  const std::vector<Row> rows = {
      {"held 0.5 s, back after 0.6 s", Block(lsr, 32768), kStartUs + 600000, 100000},
      {"held 1/64 s", Block(lsr, 1024), kStartUs + 15625 + 42000, 42000},
      {"DLSR rounds down to the microsecond: 1/65536 s is 15.26 us", Block(lsr, 1), kStartUs + 1000, 985},
      {"no SR received yet (LSR 0)", Block(0, 0), kStartUs + 600000, std::nullopt},
      {"an SR we never sent", Block(lsr + 1, 0), kStartUs + 600000, std::nullopt},
      {"a hair negative: 0", Block(lsr, 32768), kStartUs + 500000 - 999, 0},
      {"negative past the tolerance: nothing", Block(lsr, 32768), kStartUs + 500000 - 1001, std::nullopt},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RoundTrip roundTrip;
    roundTrip.OnSenderReportSent(ntp, kStartUs);
    EXPECT_EQ(roundTrip.OnReportBlock(row.block, row.arrivalUs), row.roundTripUs);
    EXPECT_EQ(roundTrip.LastUs(), row.roundTripUs);
  }
}

TEST(RoundTrip, RemembersTheLastFewSenderReports) {
  RoundTrip roundTrip;
  EXPECT_FALSE(roundTrip.OnReportBlock(Block(0x00010000, 0), kStartUs));
  // One SR a second, NTP seconds 1..10 (compact: seconds << 16).
  for (uint32_t second = 1; second <= 10; ++second)
    roundTrip.OnSenderReportSent(uint64_t{second} << 32, kStartUs + second * 1000000);
  // The last eight (3..10) are known, the first two forgotten.
  for (uint32_t second = 1; second <= 10; ++second) {
    SCOPED_TRACE(second);
    const auto rtt = roundTrip.OnReportBlock(Block(second << 16, 0), kStartUs + 11000000);
    if (second <= 10 - RoundTrip::kSenderReports) {
      EXPECT_FALSE(rtt);
    } else {
      EXPECT_EQ(rtt, (11 - second) * 1000000);
    }
  }
  // A block that gives nothing leaves the last measurement.
  EXPECT_EQ(roundTrip.LastUs(), 1000000);
}

class ReportCycle : public testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

std::vector<uint8_t> Taken(RtcpWriter& writer) {
  const auto bytes = writer.Finish();
  return {bytes.begin(), bytes.end()};
}

// The room sends the peer Opus on kRoomSsrc and receives its camera on
// kPeerSsrc; each end reports on what it receives. The way there takes
// 31.25 ms, the way back 46.875 ms (exact in 1/65536 s), so the round trip
// is 78.125 ms to the microsecond.
TEST_F(ReportCycle, ReportsSurviveTheWireAndGiveTheRoundTrip) {
  constexpr uint32_t kRoomSsrc = 0x0a0a0a0a;
  constexpr uint32_t kPeerSsrc = 0x0b0b0b0b;
  constexpr int64_t kThereUs = 31250;
  constexpr int64_t kBackUs = 46875;
  constexpr int64_t kUnixAtStartUs = 1700000000000000;
  const auto ntpAt = [&](int64_t monotonicUs) { return NtpTimeFromUnixUs(kUnixAtStartUs + monotonicUs - kStartUs); };

  // The room's audio, 50 packets, one of them (seq 110) lost on the way.
  SendStatistics roomSent(kRoomSsrc, 48000);
  ReceiveStatistics peerReceived(kRoomSsrc, 48000);
  for (uint16_t i = 0; i < 50; ++i) {
    const int64_t sentUs = kStartUs + i * 20000;
    const uint16_t sequence = 100 + i;
    const uint32_t timestamp = 5000 + i * 960u;
    roomSent.OnPacket(timestamp, 80, sentUs);
    if (sequence != 110) peerReceived.OnPacket(sequence, timestamp, sentUs + kThereUs);
  }
  // The peer's video, 25 frames at 90 kHz, every packet received.
  ReceiveStatistics roomReceived(kPeerSsrc, 90000);
  for (uint16_t i = 0; i < 25; ++i)
    roomReceived.OnPacket(static_cast<uint16_t>(65530 + i), i * 3600u, kStartUs + i * 40000);

  // The room's SR, with its report on the peer's video.
  const int64_t srSentUs = kStartUs + 1000000;
  RoundTrip roundTrip;
  const auto info = roomSent.SenderInfo(srSentUs, ntpAt(srSentUs));
  ASSERT_TRUE(info);
  const auto roomBlock = roomReceived.TakeReportBlock(srSentUs);
  ASSERT_TRUE(roomBlock);
  RtcpWriter writer;
  ASSERT_TRUE(writer.AddSenderReport(*info, std::span(&*roomBlock, 1)));
  ASSERT_TRUE(writer.AddSdesCname(kRoomSsrc, "room"));
  roundTrip.OnSenderReportSent(info->ntpTime, srSentUs);

  RtcpReader reader;
  ASSERT_TRUE(reader.Read(Taken(writer)));
  ASSERT_EQ(reader.SenderReports().size(), 1u);
  EXPECT_EQ(reader.SenderReports()[0], *info);
  EXPECT_EQ(info->rtpTime, 5000u + 48000u);  // a second after the first packet
  EXPECT_EQ(info->packetCount, 50u);
  EXPECT_EQ(info->octetCount, 4000u);
  ASSERT_EQ(reader.ReportBlocks().size(), 1u);
  EXPECT_EQ(reader.ReportBlocks()[0], (RtcpReceivedBlock{kRoomSsrc, *roomBlock}));
  EXPECT_EQ(roomBlock->highestSequence, 0x10000u + 18u);  // 65530 + 24, past the wrap
  EXPECT_EQ(roomBlock->cumulativeLost, 0);
  EXPECT_EQ(roomBlock->lastSr, 0u);  // the peer has sent no SR
  peerReceived.OnSenderReport(reader.SenderReports()[0].ntpTime, srSentUs + kThereUs);

  // A quarter of a second later the peer's RR comes back, with a REMB.
  const int64_t rrSentUs = srSentUs + kThereUs + 250000;
  const auto peerBlock = peerReceived.TakeReportBlock(rrSentUs);
  ASSERT_TRUE(peerBlock);
  EXPECT_EQ(peerBlock->delaySinceLastSr, 16384u);
  EXPECT_EQ(peerBlock->lastSr, CompactNtp(info->ntpTime));
  EXPECT_EQ(peerBlock->cumulativeLost, 1);
  EXPECT_EQ(peerBlock->fractionLost, 5);  // 1 of 50: 256 / 50, rounded down
  EXPECT_EQ(peerBlock->highestSequence, 149u);
  ASSERT_TRUE(writer.AddReceiverReport(kPeerSsrc, std::span(&*peerBlock, 1)));
  ASSERT_TRUE(writer.AddSdesCname(kPeerSsrc, "peer"));
  const std::vector<uint32_t> rembSsrcs = {kRoomSsrc};
  ASSERT_TRUE(writer.AddRemb(kPeerSsrc, 1500000, rembSsrcs));

  ASSERT_TRUE(reader.Read(Taken(writer)));
  EXPECT_TRUE(reader.SenderReports().empty());
  ASSERT_EQ(reader.ReportBlocks().size(), 1u);
  const RtcpReceivedBlock& received = reader.ReportBlocks()[0];
  EXPECT_EQ(received, (RtcpReceivedBlock{kPeerSsrc, *peerBlock}));
  ASSERT_EQ(reader.Rembs().size(), 1u);
  EXPECT_EQ(reader.Rembs()[0].senderSsrc, kPeerSsrc);
  EXPECT_EQ(reader.Rembs()[0].bitrate, 1500000u);
  EXPECT_EQ(std::vector<uint32_t>(reader.Rembs()[0].ssrcs.begin(), reader.Rembs()[0].ssrcs.end()), rembSsrcs);

  ASSERT_EQ(received.block.ssrc, kRoomSsrc);
  const int64_t rrArrivalUs = rrSentUs + kBackUs;
  EXPECT_EQ(roundTrip.OnReportBlock(received.block, rrArrivalUs), kThereUs + kBackUs);
  // RtcpTypes' wall-clock reckoning agrees, to its millisecond.
  EXPECT_EQ(RoundTripMs(CompactNtp(ntpAt(rrArrivalUs)), received.block), 78u);
}

}  // namespace
}  // namespace plenum::transport
