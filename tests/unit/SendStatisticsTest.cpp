// SendStatistics: the counts an SR carries, and its RTP time extrapolated
// from the reference timestamp so that the SR's NTP and RTP times name the
// same instant (RFC 3550 §6.4.1); NtpTimeFromUnixUs on known dates.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/SendStatistics.hpp"

namespace plenum::transport {
namespace {

constexpr uint32_t kSsrc = 0xcafe0001;
constexpr int64_t kStartUs = 10000000;

TEST(SendStatistics, NoSenderInfoBeforeTheFirstPacket) {
  SendStatistics stats(kSsrc, 48000);
  EXPECT_FALSE(stats.SenderInfo(kStartUs, 1));
  EXPECT_FALSE(stats.RtpTimeAt(kStartUs));
  // A retransmission is no reference either.
  stats.OnRetransmission(100);
  EXPECT_FALSE(stats.SenderInfo(kStartUs, 1));
  EXPECT_EQ(stats.PacketsSent(), 1u);
}

TEST(SendStatistics, CountsPacketsAndPayloadOctetsRetransmissionsIncluded) {
  SendStatistics stats(kSsrc, 48000);
  stats.OnPacket(1000, 120, kStartUs);
  stats.OnPacket(1960, 80, kStartUs + 20000);
  stats.OnRetransmission(120);
  stats.OnPacket(2920, 0, kStartUs + 40000);  // an empty payload (padding only) is a packet
  EXPECT_EQ(stats.PacketsSent(), 4u);
  EXPECT_EQ(stats.PayloadOctetsSent(), 320u);
  const auto info = stats.SenderInfo(kStartUs + 40000, 0xe000000000000000ull);
  ASSERT_TRUE(info);
  EXPECT_EQ(*info, (RtcpSenderInfo{kSsrc, 0xe000000000000000ull, 2920, 4, 320}));
}

TEST(SendStatistics, CountsWrapAt32BitsOnTheWire) {
  SendStatistics stats(kSsrc, 90000);
  for (int i = 0; i < 5; ++i) stats.OnPacket(0, 1000000000, kStartUs);
  EXPECT_EQ(stats.PayloadOctetsSent(), 5000000000u);
  EXPECT_EQ(stats.SenderInfo(kStartUs, 0)->octetCount, static_cast<uint32_t>(5000000000u % (uint64_t{1} << 32)));
}

TEST(SendStatistics, TheRtpTimeIsExtrapolatedAtTheClockRate) {
  struct Row {
    std::string name;
    int64_t sinceUs;
    uint32_t rtpTime;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"at the reference", 0, 1000},
      {"half a second later", 500000, 1000 + 24000},
      {"20 ms earlier", -20000, 1000 - 960},
      {"one unit is 20.83 us: 10 us rounds down", 10, 1000},
      {"11 us rounds up", 11, 1001},
      {"an hour later", 3600000000, 1000 + 3600u * 48000u},
  };
  // clang-format on
  SendStatistics stats(kSsrc, 48000);
  stats.OnPacket(1000, 100, kStartUs);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(stats.RtpTimeAt(kStartUs + row.sinceUs), row.rtpTime);
  }

  // Across the 32-bit wrap of the timestamp.
  SendStatistics wrapping(kSsrc, 90000);
  wrapping.OnPacket(0xffffff00u, 100, kStartUs);
  EXPECT_EQ(wrapping.RtpTimeAt(kStartUs + 40000), 0xffffff00u + 3600u);
  EXPECT_EQ(wrapping.RtpTimeAt(kStartUs + 40000), 3600u - 256u);
}

TEST(SendStatistics, TheReferenceIsTheFirstPacketOfATimestamp) {
  SendStatistics stats(kSsrc, 90000);
  // A frame's three packets, paced 3 ms apart: the first one stands for it.
  stats.OnPacket(9000, 1000, kStartUs);
  stats.OnPacket(9000, 1000, kStartUs + 3000);
  stats.OnPacket(9000, 1000, kStartUs + 6000);
  EXPECT_EQ(stats.RtpTimeAt(kStartUs + 40000), 9000u + 3600u);
  // A retransmission of an older frame does not move it.
  stats.OnRetransmission(1000);
  EXPECT_EQ(stats.RtpTimeAt(kStartUs + 40000), 9000u + 3600u);
  // The next frame does.
  stats.OnPacket(12600, 1000, kStartUs + 41000);
  EXPECT_EQ(stats.RtpTimeAt(kStartUs + 81000), 12600u + 3600u);
  EXPECT_EQ(stats.PacketsSent(), 5u);
}

// Two SRs from a stream sent in real time: the RTP times differ by the NTP
// times' difference at the clock rate, and each RTP time is that of a
// packet sent at the SR's instant.
TEST(SendStatistics, SenderReportsAgreeWithTheirNtpTimes) {
  constexpr uint32_t kClockRate = 48000;
  constexpr int64_t kUnixAtStartUs = 1700000000123456;  // the wall clock when the monotonic one read kStartUs
  SendStatistics stats(kSsrc, kClockRate);
  const uint32_t firstTimestamp = 0x9abcdef0;
  int64_t nowUs = kStartUs;
  std::vector<RtcpSenderInfo> reports;
  for (uint32_t i = 0; i < 500; ++i) {
    nowUs = kStartUs + i * 20000;
    stats.OnPacket(firstTimestamp + i * 960, 100, nowUs);
    // An SR 7 ms after the 100th and 400th packets.
    if (i == 99 || i == 399) {
      const int64_t srUs = nowUs + 7000;
      reports.push_back(*stats.SenderInfo(srUs, NtpTimeFromUnixUs(kUnixAtStartUs + (srUs - kStartUs))));
    }
  }
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].rtpTime, firstTimestamp + 99 * 960 + 336);  // 7 ms is 336 units
  EXPECT_EQ(reports[0].packetCount, 100u);
  EXPECT_EQ(reports[1].packetCount, 400u);
  EXPECT_EQ(reports[1].octetCount, 40000u);

  // 6 s apart on both clocks: 288000 units, 6 x 2^32 NTP fractions.
  const uint64_t ntpDelta = reports[1].ntpTime - reports[0].ntpTime;
  const uint32_t rtpDelta = reports[1].rtpTime - reports[0].rtpTime;
  EXPECT_EQ(rtpDelta, 288000u);
  EXPECT_NEAR(static_cast<double>(ntpDelta) / 4294967296.0, static_cast<double>(rtpDelta) / kClockRate, 1e-6);
}

TEST(SendStatistics, NtpTimeFromUnixUs) {
  struct Row {
    std::string name;
    int64_t unixUs;
    uint64_t ntpTime;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"the unix epoch is 2208988800 s after NTP's", 0, 2208988800ull << 32},
      {"half a second", 500000, 2208988800ull << 32 | 0x80000000u},
      {"1 us is 4294.97 fractions, rounded down", 1, 2208988800ull << 32 | 4294u},
      {"2023-11-14 22:13:20.25", 1700000000250000, (2208988800ull + 1700000000) << 32 | 0x40000000u},
      // 7 Feb 2036 06:28:16 UTC is 2^32 s after 1900: NTP era 1 starts at 0.
      {"era 1", 2085978496000000, 0},
      {"era 1, a second on", 2085978497000000, uint64_t{1} << 32},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(NtpTimeFromUnixUs(row.unixUs), row.ntpTime);
  }
  // What an LSR carries of it: 16 bits of seconds (2208988800 is
  // 0x83aa7e80), 16 of fraction.
  static_assert(CompactNtp(NtpTimeFromUnixUs(500000)) == 0x7e808000u);
}

TEST(SendStatistics, SteadyStateAllocatesNothing) {
  SendStatistics stats(kSsrc, 90000);
  const size_t allocations = test::AllocationsDuring([&] {
    for (uint32_t i = 0; i < 1000; ++i) {
      stats.OnPacket(i / 4 * 3000, 1000, kStartUs + i * 1000);
      if (i % 100 == 0) stats.SenderInfo(kStartUs + i * 1000, i);
    }
  });
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace plenum::transport
