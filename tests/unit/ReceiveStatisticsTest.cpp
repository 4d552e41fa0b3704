// ReceiveStatistics against RFC 3550 appendix A worked by hand: the
// extended highest sequence number across wraps (A.1), loss as a fraction
// and a cumulative count (A.3) with what duplicates and late packets do to
// them, the jump that restarts a stream (A.1), the interarrival jitter
// (A.8), and LSR/DLSR. Packets are tables of arrivals, each with what the
// statistics must say right after it, in the manner of NackGeneratorTest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/ReceiveStatistics.hpp"

namespace plenum::transport {
namespace {

using Arrival = ReceiveStatistics::Arrival;

constexpr uint32_t kSsrc = 0x11223344;
// 8 kHz keeps every time exact: 125 us a unit, 20 ms packets of 160 units.
constexpr uint32_t kClockRate = 8000;
constexpr uint32_t kPacketUnits = 160;
constexpr int64_t kPacketUs = 20000;
constexpr int64_t kStartUs = 1000000;

// Packet `sequence` of a stream whose every packet takes the same time to
// arrive: its timestamp and its arrival both follow its number, so the
// jitter stays 0 and only the numbers matter.
ReceiveStatistics::Arrival Receive(ReceiveStatistics& stats, uint16_t sequence) {
  return stats.OnPacket(sequence, sequence * kPacketUnits, kStartUs + sequence * kPacketUs);
}

struct Row {
  uint16_t sequence;
  Arrival arrival;
  uint32_t highest;
  uint64_t expected;
  uint64_t received;
};

void Validate(ReceiveStatistics& stats, const std::vector<Row>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(testing::Message() << "row " << i << ": seq " << row.sequence);
    EXPECT_STREQ(ReceiveStatistics::ToString(Receive(stats, row.sequence)), ReceiveStatistics::ToString(row.arrival));
    EXPECT_EQ(stats.ExtendedHighestSequence(), row.highest);
    EXPECT_EQ(stats.PacketsExpected(), row.expected);
    EXPECT_EQ(stats.PacketsReceived(), row.received);
  }
}

TEST(ReceiveStatistics, NothingToReportBeforeTheFirstPacket) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  EXPECT_FALSE(stats.TakeReportBlock(kStartUs));
  EXPECT_EQ(stats.PacketsExpected(), 0u);
  EXPECT_EQ(stats.PacketsLost(), 0);
}

TEST(ReceiveStatistics, AnInOrderStreamLosesNothing) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  EXPECT_EQ(Receive(stats, 1000), Arrival::kFirst);
  for (uint16_t sequence = 1001; sequence < 1100; ++sequence) EXPECT_EQ(Receive(stats, sequence), Arrival::kNewer);
  const auto block = stats.TakeReportBlock(kStartUs + 1100 * kPacketUs);
  ASSERT_TRUE(block);
  EXPECT_EQ(*block, (RtcpReportBlock{kSsrc, 0, 0, 1099, 0, 0, 0}));
  EXPECT_EQ(stats.PacketsExpected(), 100u);
  EXPECT_EQ(stats.PacketsReceived(), 100u);
}

TEST(ReceiveStatistics, TheExtendedNumberCountsCyclesAcrossTheWrap) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  // clang-format off
  Validate(stats, {
      {65533, Arrival::kFirst, 65533, 1, 1},
      {65534, Arrival::kNewer, 65534, 2, 2},
      {65535, Arrival::kNewer, 65535, 3, 3},
      {0,     Arrival::kNewer, 0x10000, 4, 4},
      {2,     Arrival::kNewer, 0x10002, 6, 5},   // 1 missing
      {65535, Arrival::kLate,  0x10002, 6, 6},   // a repeat from the last cycle
      {1,     Arrival::kLate,  0x10002, 6, 7},   // the missing one, late
      {3,     Arrival::kNewer, 0x10003, 7, 8},
  });
  // clang-format on
  EXPECT_EQ(stats.PacketsLost(), -1);

  // Many cycles: 200000 packets from 65000 wrap four times.
  ReceiveStatistics many(kSsrc, kClockRate);
  uint16_t sequence = 65000;
  for (int i = 0; i < 200000; ++i) Receive(many, sequence++);
  EXPECT_EQ(many.ExtendedHighestSequence(), 65000u + 199999u);
  EXPECT_EQ(many.ExtendedHighestSequence() >> 16, 4u);
  EXPECT_EQ(many.PacketsExpected(), 200000u);
  EXPECT_EQ(many.PacketsLost(), 0);
}

TEST(ReceiveStatistics, JumpsAreToldFromGapsAndLatePacketsAtTheRfcLimits) {
  // A.1 with MAX_DROPOUT 3000 and MAX_MISORDER 100, around newest 10000.
  struct Case {
    uint16_t sequence;
    Arrival arrival;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {12999, Arrival::kNewer},    // 2999 ahead: a gap
      {13000, Arrival::kSuspect},  // 3000 ahead: a jump
      {9901,  Arrival::kLate},     // 99 behind
      {9900,  Arrival::kSuspect},  // 100 behind: a jump back
      {10000, Arrival::kLate},     // the newest again
  };
  // clang-format on
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sequence);
    ReceiveStatistics stats(kSsrc, kClockRate);
    Receive(stats, 10000);
    EXPECT_EQ(Receive(stats, c.sequence), c.arrival);
  }
  // The limits are configurable.
  ReceiveStatistics tight(kSsrc, kClockRate, {.maxDropout = 10, .maxMisorder = 5});
  Receive(tight, 100);
  EXPECT_EQ(Receive(tight, 109), Arrival::kNewer);
  EXPECT_EQ(Receive(tight, 119), Arrival::kSuspect);
  EXPECT_EQ(Receive(tight, 105), Arrival::kLate);
  EXPECT_EQ(Receive(tight, 104), Arrival::kSuspect);
}

// Cumulative loss is expected - received; the fraction is the interval's
// loss x 256 / the interval's expected, rounded down, 0 when not positive.
TEST(ReceiveStatistics, LossMatchesHandComputedValues) {
  struct Interval {
    std::string name;
    std::vector<uint16_t> sequences;
    uint8_t fractionLost;
    int32_t cumulativeLost;
    uint32_t highest;
  };
  // clang-format off
  const std::vector<Interval> intervals = {
      {"1..10 without 4 and 7: 2 of 10, 512/10", {1, 2, 3, 5, 6, 8, 9, 10}, 51, 2, 10},
      {"11..20, all of them", {11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 0, 2, 20},
      {"21..40 without 25..29: 5 of 20, 1280/20",
       {21, 22, 23, 24, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40}, 64, 7, 40},
      {"4 and 7 late, and 41: 1 expected, 3 received", {4, 7, 41}, 0, 5, 41},
      {"nothing at all: nothing expected", {}, 0, 5, 41},
      {"50 alone: 8 of 9, 2048/9", {50}, 227, 13, 50},
      {"a repeat of 50 and 51: 1 expected, 2 received", {50, 51}, 0, 12, 51},
  };
  // clang-format on
  ReceiveStatistics stats(kSsrc, kClockRate);
  int64_t nowUs = kStartUs;
  for (const Interval& interval : intervals) {
    SCOPED_TRACE(interval.name);
    for (const uint16_t sequence : interval.sequences) Receive(stats, sequence);
    nowUs += 1000000;
    const auto block = stats.TakeReportBlock(nowUs);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->fractionLost, interval.fractionLost);
    EXPECT_EQ(block->cumulativeLost, interval.cumulativeLost);
    EXPECT_EQ(block->highestSequence, interval.highest);
    EXPECT_EQ(stats.PacketsLost(), interval.cumulativeLost);
  }
}

TEST(ReceiveStatistics, DuplicatesCountAsReceivedAndMakeLossNegative) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  // clang-format off
  Validate(stats, {
      {1, Arrival::kFirst, 1, 1, 1},
      {2, Arrival::kNewer, 2, 2, 2},
      {4, Arrival::kNewer, 4, 4, 3},
      {3, Arrival::kLate,  4, 4, 4},  // reordered: nothing was lost
      {5, Arrival::kNewer, 5, 5, 5},
      {5, Arrival::kLate,  5, 5, 6},  // duplicates
      {3, Arrival::kLate,  5, 5, 7},
  });
  // clang-format on
  const auto block = stats.TakeReportBlock(kStartUs);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->cumulativeLost, -2);
  EXPECT_EQ(block->fractionLost, 0);  // the interval's loss is negative: none
}

TEST(ReceiveStatistics, CumulativeLossIsClampedTo24SignedBits) {
  // Jumps of 2999 (the largest gap that is not a jump) lose 2998 each;
  // 2800 of them are 8394400 lost, past 0x7fffff = 8388607.
  ReceiveStatistics losing(kSsrc, kClockRate);
  uint16_t sequence = 0;
  Receive(losing, sequence);
  for (int i = 0; i < 2800; ++i) {
    sequence = static_cast<uint16_t>(sequence + 2999);
    ASSERT_EQ(Receive(losing, sequence), Arrival::kNewer);
  }
  EXPECT_EQ(losing.PacketsLost(), 8394400);
  auto block = losing.TakeReportBlock(kStartUs);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->cumulativeLost, 0x7fffff);
  EXPECT_EQ(block->fractionLost, 255);  // 8394400 x 256 / 8397201, rounded down
  EXPECT_EQ(block->highestSequence, 2800u * 2999u);

  // 0x800005 duplicates of a single packet: -0x800005, past -0x800000.
  ReceiveStatistics repeating(kSsrc, kClockRate);
  Receive(repeating, 7);
  for (int i = 0; i < 0x800005; ++i) Receive(repeating, 7);
  EXPECT_EQ(repeating.PacketsLost(), -0x800005);
  block = repeating.TakeReportBlock(kStartUs);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->cumulativeLost, -0x800000);
  EXPECT_EQ(block->fractionLost, 0);
}

// A.1: a big jump is taken for a stray packet until the next one follows
// it; then the sender restarted, and the statistics start over there.
TEST(ReceiveStatistics, AConfirmedJumpRestartsTheStatistics) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  // clang-format off
  Validate(stats, {
      {1,     Arrival::kFirst,   1, 1, 1},
      {2,     Arrival::kNewer,   2, 2, 2},
      {5,     Arrival::kNewer,   5, 5, 3},      // 3 and 4 lost
      {20000, Arrival::kSuspect, 5, 5, 3},      // not counted
      {6,     Arrival::kNewer,   6, 6, 4},      // and forgotten: the stream goes on
  });
  // clang-format on
  auto block = stats.TakeReportBlock(kStartUs);
  EXPECT_EQ(block->cumulativeLost, 2);
  EXPECT_EQ(block->fractionLost, 85);  // 2 of 6: 512 / 6
  // clang-format off
  Validate(stats, {
      {20001, Arrival::kSuspect, 6, 6, 4},      // a new suspect, not 20000's sequel
      {20002, Arrival::kRestart, 20002, 1, 1},  // the sequel: started again here
      {20003, Arrival::kNewer,   20003, 2, 2},
      {20005, Arrival::kNewer,   20005, 4, 3},  // 20004 lost
  });
  // clang-format on
  block = stats.TakeReportBlock(kStartUs + 1000000);
  ASSERT_TRUE(block);
  // The loss before the restart is gone from both counts, and the interval
  // starts at the restart: 1 of 4 since.
  EXPECT_EQ(block->cumulativeLost, 1);
  EXPECT_EQ(block->fractionLost, 64);
  EXPECT_EQ(block->highestSequence, 20005u);

  // A jump across the wrap restarts in cycle 0 again, as A.1's init_seq.
  ReceiveStatistics wrapped(kSsrc, kClockRate);
  // clang-format off
  Validate(wrapped, {
      {65535, Arrival::kFirst,   65535, 1, 1},
      {0,     Arrival::kNewer,   0x10000, 2, 2},
      {30000, Arrival::kSuspect, 0x10000, 2, 2},
      {30001, Arrival::kRestart, 30001, 1, 1},
  });
  // clang-format on
}

// A.8: J += (|D| - J) / 16, D the change in transit (arrival - timestamp,
// in RTP units) from one packet to the next; reported as J16 >> 4.
TEST(ReceiveStatistics, JitterOfAConstantTransitIsZero) {
  ReceiveStatistics audio(kSsrc, 48000);
  for (uint16_t i = 0; i < 500; ++i) audio.OnPacket(i, 12345 + i * 960u, kStartUs + 77 + i * 20000);
  EXPECT_EQ(audio.Jitter(), 0u);
  EXPECT_EQ(audio.TakeReportBlock(kStartUs + 10000000)->jitter, 0u);

  // 25 frames a second of 90 kHz video, five packets a frame sharing its
  // timestamp and arriving together.
  ReceiveStatistics video(kSsrc, 90000);
  uint16_t sequence = 65000;  // across the wrap, for good measure
  for (uint32_t frame = 0; frame < 250; ++frame) {
    for (int packet = 0; packet < 5; ++packet)
      video.OnPacket(sequence++, 0xfffff000u + frame * 3600, kStartUs + frame * 40000);
  }
  EXPECT_EQ(video.Jitter(), 0u);
}

TEST(ReceiveStatistics, JitterOfAnAlternatingTransitFollowsA8) {
  // Every other 20 ms packet arrives 5 ms (40 units at 8 kHz) late, so
  // |D| is 40 from the second packet on and J tends to 40:
  // J(n) = 40 (1 - (15/16)^n) after n differences. The integer form gives
  // J16(n) = J16(n-1) + 40 - ((J16(n-1) + 8) >> 4):
  //   n=1: 0 + 40 - 0 = 40 -> 2      (J(1) = 2.5)
  //   n=2: 40 + 40 - 3 = 77 -> 4     (J(2) = 4.84)
  //   n=3: 77 + 40 - 5 = 112 -> 7    (J(3) = 7.04)
  //   n=4: 112 + 40 - 7 = 145 -> 9   (J(4) = 9.10)
  //   n=5: 145 + 40 - 9 = 176 -> 11  (J(5) = 11.03)
  // and settles at J16 = 632 (40 - (640 >> 4) = 0), reported as 39.
  const std::vector<uint32_t> expected = {0, 2, 4, 7, 9, 11};
  ReceiveStatistics stats(kSsrc, kClockRate);
  for (uint16_t i = 0; i < 400; ++i) {
    const int64_t lateUs = i % 2 == 1 ? 5000 : 0;
    stats.OnPacket(i, i * kPacketUnits, kStartUs + i * kPacketUs + lateUs);
    SCOPED_TRACE(i);
    if (i < expected.size()) {
      EXPECT_EQ(stats.Jitter(), expected[i]);
    }
    // Never more than a unit under the real-valued A.8 estimate.
    const double real = 40.0 * (1.0 - std::pow(15.0 / 16.0, i));
    EXPECT_LE(stats.Jitter(), real);
    EXPECT_GE(stats.Jitter() + 1.0, std::floor(real));
  }
  EXPECT_EQ(stats.Jitter(), 39u);
  EXPECT_EQ(stats.TakeReportBlock(kStartUs)->jitter, 39u);
}

TEST(ReceiveStatistics, JitterIgnoresANewTimestampBase) {
  // The timestamps jump by an hour under continuous numbering (an encoder
  // replaced, the numbering kept): not jitter, as libwebrtc has it too.
  ReceiveStatistics rebased(kSsrc, kClockRate);
  for (uint16_t i = 0; i < 50; ++i) rebased.OnPacket(i, i * kPacketUnits, kStartUs + i * kPacketUs);
  for (uint16_t i = 50; i < 100; ++i)
    rebased.OnPacket(i, i * kPacketUnits + 3600 * kClockRate, kStartUs + i * kPacketUs);
  EXPECT_EQ(rebased.Jitter(), 0u);

  // A restart takes the transit afresh, whatever the new timestamps: here
  // they start again from 0, a step of 1 s (8000 units) in the transit,
  // short of the 5 s that would be ignored anyway.
  ReceiveStatistics restarted(kSsrc, kClockRate);
  for (uint16_t i = 0; i < 50; ++i) restarted.OnPacket(i, i * kPacketUnits, kStartUs + i * kPacketUs);
  for (uint16_t i = 40000; i < 40050; ++i)
    restarted.OnPacket(i, (i - 40000) * kPacketUnits, kStartUs + (i - 40000 + 50) * kPacketUs);
  EXPECT_EQ(restarted.ExtendedHighestSequence(), 40049u);
  EXPECT_EQ(restarted.Jitter(), 0u);

  // But a real step is counted: one 10 ms late packet in a steady stream
  // is |D| = 80 twice (late, then back): 80 -> 5, then 80 + 80 - 5 -> 9.
  ReceiveStatistics late(kSsrc, kClockRate);
  for (uint16_t i = 0; i < 10; ++i) late.OnPacket(i, i * kPacketUnits, kStartUs + i * kPacketUs);
  late.OnPacket(10, 10 * kPacketUnits, kStartUs + 10 * kPacketUs + 10000);
  EXPECT_EQ(late.Jitter(), 5u);
  late.OnPacket(11, 11 * kPacketUnits, kStartUs + 11 * kPacketUs);
  EXPECT_EQ(late.Jitter(), 9u);
}

TEST(ReceiveStatistics, LsrAndDlsrComeFromTheLastSenderReport) {
  struct Row {
    std::string name;
    int64_t sinceSrUs;
    uint32_t delaySinceLastSr;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"at once", 0, 0},
      {"1 us is under one 1/65536 s", 1, 0},
      {"15625 us is 1024/65536 s exactly", 15625, 1024},
      {"half a second", 500000, 32768},
      {"1.00001 s rounds down", 1000010, 65536},
      {"before it arrived (a clock mix-up): 0", -5000, 0},
      {"a day saturates", 86400000000, 0xffffffff},
  };
  // clang-format on
  ReceiveStatistics stats(kSsrc, kClockRate);
  Receive(stats, 1);
  auto block = stats.TakeReportBlock(kStartUs);
  EXPECT_EQ(block->lastSr, 0u);
  EXPECT_EQ(block->delaySinceLastSr, 0u);

  const int64_t arrivalUs = kStartUs + 3000000;
  stats.OnSenderReport(0xe123456789abcdefull, arrivalUs);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    block = stats.TakeReportBlock(arrivalUs + row.sinceSrUs);
    EXPECT_EQ(block->lastSr, 0x456789abu);
    EXPECT_EQ(block->delaySinceLastSr, row.delaySinceLastSr);
  }

  // The next SR replaces it.
  stats.OnSenderReport(0xe123456a00010000ull, arrivalUs + 1000000);
  block = stats.TakeReportBlock(arrivalUs + 1250000);
  EXPECT_EQ(block->lastSr, 0x456a0001u);
  EXPECT_EQ(block->delaySinceLastSr, 16384u);
}

TEST(ReceiveStatistics, SteadyStateAllocatesNothing) {
  ReceiveStatistics stats(kSsrc, kClockRate);
  uint16_t sequence = 0;
  const size_t allocations = test::AllocationsDuring([&] {
    for (int i = 0; i < 1000; ++i) {
      Receive(stats, sequence);
      sequence = static_cast<uint16_t>(sequence + 1 + i % 3);
      if (i % 50 == 0) {
        stats.OnSenderReport(0x1234567800000000ull + i, kStartUs + i);
        stats.TakeReportBlock(kStartUs + i);
      }
    }
  });
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace plenum::transport
