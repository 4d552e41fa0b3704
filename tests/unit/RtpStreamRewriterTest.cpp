// One listener's stream fed by two encoders in turn (their own mix, the
// shared full mix): each row is a packet in and what the listener gets,
// in the manner of mediasoup's TestNackGenerator.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "AllocationCounter.hpp"
#include "mixer/RtpStreamRewriter.hpp"

namespace plenum::mixer {
namespace {

constexpr uint32_t kSsrc = 0x5eed5eed;
constexpr uint32_t kOwn = 0xa;     // the listener's own mix encoder
constexpr uint32_t kShared = 0xb;  // the room's full mix encoder
constexpr uint32_t kFrame = RtpStreamRewriter::kOpusFrameTicks;
constexpr uint32_t kTsMax = UINT32_MAX;

struct Row {
  uint32_t source;
  uint16_t sequence;
  uint32_t timestamp;
  std::optional<uint32_t> elapsed;  // given on this packet
  bool forwarded;
  uint16_t outSequence = 0;
  uint32_t outTimestamp = 0;
};

constexpr Row Sent(uint32_t source, uint16_t sequence, uint32_t timestamp, uint16_t outSequence, uint32_t outTimestamp,
                   std::optional<uint32_t> elapsed = std::nullopt) {
  return Row{source, sequence, timestamp, elapsed, true, outSequence, outTimestamp};
}
constexpr Row Dropped(uint32_t source, uint16_t sequence, uint32_t timestamp) {
  return Row{source, sequence, timestamp, std::nullopt, false};
}

void Validate(RtpStreamRewriter& rewriter, const std::vector<Row>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(testing::Message() << "row " << i << ": source " << row.source << " seq " << row.sequence << " ts "
                                    << row.timestamp);
    const auto out = rewriter.Rewrite(row.source, row.sequence, row.timestamp, row.elapsed);
    ASSERT_EQ(out.has_value(), row.forwarded);
    if (!out) continue;
    EXPECT_EQ(out->sequence, row.outSequence);
    EXPECT_EQ(out->timestamp, row.outTimestamp);
  }
}

TEST(RtpStreamRewriter, FirstPacketStartsWhereTheCallerSays) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 50000);
  EXPECT_EQ(rewriter.Ssrc(), kSsrc);
  EXPECT_FALSE(rewriter.CurrentSource());
  EXPECT_FALSE(rewriter.Newest());
  // clang-format off
  Validate(rewriter, {
                         Sent(kShared, 4321, 777777, 1000, 50000, 12345),  // elapsed means nothing yet
                         Sent(kShared, 4322, 777777 + kFrame, 1001, 50000 + kFrame),
                     });
  // clang-format on
  EXPECT_EQ(rewriter.CurrentSource(), kShared);
  EXPECT_EQ(rewriter.Newest(), (RtpStreamRewriter::Mapped{1001, 50000 + kFrame}));
}

TEST(RtpStreamRewriter, SwitchesBackAndForthWithoutAGapOrAJump) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 50000);
  // clang-format off
  Validate(rewriter, {
                         Sent(kShared, 500, 700000, 1000, 50000),
                         Sent(kShared, 501, 700960, 1001, 50960),
                         Sent(kShared, 502, 701920, 1002, 51920),
                         // Promoted: their own mix, on its own numbers.
                         Sent(kOwn, 10, 9600, 1003, 52880),
                         Sent(kOwn, 11, 10560, 1004, 53840),
                         // Demoted: the shared mix has moved on meanwhile.
                         Sent(kShared, 505, 704800, 1005, 54800),
                         Sent(kShared, 506, 705760, 1006, 55760),
                         // Promoted again, with a tick sent nothing in between.
                         Sent(kOwn, 14, 12480, 1007, 57680, 2 * kFrame),
                         Sent(kOwn, 15, 13440, 1008, 58640, 99999),  // elapsed only counts on a switch
                         Sent(kShared, 509, 708640, 1009, 59600),
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, InputWrapsInBothFields) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 5000);
  // clang-format off
  Validate(rewriter, {
                         Sent(kOwn, 65534, kTsMax - 1919, 1000, 5000),
                         Sent(kOwn, 65535, kTsMax - 959, 1001, 5960),
                         Sent(kOwn, 0, 0, 1002, 6920),
                         Sent(kOwn, 1, 960, 1003, 7880),
                         Sent(kOwn, 65535, kTsMax - 959, 1001, 5960),  // late, from before the wrap
                         Sent(kOwn, 2, 1920, 1004, 8840),
                         Sent(kShared, 65535, kTsMax, 1005, 9800),  // switch onto a source about to wrap
                         Sent(kShared, 0, 959, 1006, 10760),
                         Dropped(kShared, 65534, kTsMax - 960),  // before the switch: 1004 is taken
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, OutputWrapsInBothFields) {
  RtpStreamRewriter rewriter(kSsrc, 65534, kTsMax - 1919);
  // clang-format off
  Validate(rewriter, {
                         Sent(kShared, 300, 30000, 65534, kTsMax - 1919),
                         Sent(kShared, 301, 30960, 65535, kTsMax - 959),
                         Sent(kShared, 302, 31920, 0, 0),
                         Sent(kShared, 303, 32880, 1, 960),
                         Sent(kShared, 301, 30960, 65535, kTsMax - 959),  // a duplicate from before the wrap
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, SwitchAtTheWrap) {
  // The last packet of the old source is 65535 / 2^32 - 960: the new one
  // starts at 0 / 0.
  RtpStreamRewriter rewriter(kSsrc, 65535, kTsMax - 959);
  // clang-format off
  Validate(rewriter, {
                         Sent(kShared, 40, 400, 65535, kTsMax - 959),
                         Sent(kOwn, 9000, 123, 0, 0),
                         Sent(kOwn, 9001, 123 + kFrame, 1, kFrame),
                         Sent(kShared, 43, 400 + 3 * kFrame, 2, 2 * kFrame),
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, AGapBeforeASwitch) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 50000);
  // clang-format off
  Validate(rewriter, {
                         Sent(kOwn, 10, 9600, 1000, 50000),
                         // 11 lost on the way: its number stays free, so
                         // the receiver conceals it and may ask for it.
                         Sent(kOwn, 12, 11520, 1002, 51920),
                         Sent(kOwn, 13, 12480, 1003, 52880),
                         // 14 never made (the tick skipped it): the switch
                         // says two frames passed. Sequence continues +1 (there
                         // is no packet the receiver could get for a hole),
                         // the timestamp carries the time.
                         Sent(kShared, 800, 1000000, 1004, 54800, 2 * kFrame),
                         Sent(kShared, 801, 1000960, 1005, 55760),
                         Dropped(kOwn, 11, 10560),  // late: 1001 is no longer the own mix's to fill
                         Sent(kShared, 803, 1002880, 1007, 57680),  // a gap after the switch stays a gap
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, ReorderingAndDuplicatesWithinASource) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 50000);
  // clang-format off
  Validate(rewriter, {
                         Sent(kShared, 10, 9600, 1000, 50000),
                         Sent(kShared, 12, 11520, 1002, 51920),
                         Sent(kShared, 11, 10560, 1001, 50960),  // late: fills its own hole
                         Sent(kShared, 12, 11520, 1002, 51920),  // duplicate: same number
                         Sent(kShared, 13, 12480, 1003, 52880),
                         // The switch follows the newest packet (13), not the
                         // last one handled.
                         Sent(kOwn, 70, 67200, 1004, 53840),
                         Sent(kOwn, 72, 69120, 1006, 55760),
                         Sent(kOwn, 71, 68160, 1005, 54800),
                         Dropped(kOwn, 69, 66240),  // older than the switch: 1003 is the shared mix's
                         Dropped(kShared, 13, 12480),  // the old source's duplicate
                         Dropped(kShared, 12, 11520),  // and its late packet
                         Sent(kOwn, 72, 69120, 1006, 55760),
                         Sent(kShared, 17, 16320, 1007, 56720),  // newer than what it sent: a switch
                     });
  // clang-format on
}

TEST(RtpStreamRewriter, AlongRunOfOneSourceStaysContinuous) {
  // Past 2^15 packets of one source the sequence must still extend
  // forwards (a 16-bit comparison alone would turn round).
  RtpStreamRewriter rewriter(kSsrc, 7, 3);
  uint16_t sequence = 60000;
  uint32_t timestamp = kTsMax - 100 * kFrame;
  for (uint32_t i = 0; i < 200000; ++i, ++sequence, timestamp += kFrame) {
    const auto out = rewriter.Rewrite(kShared, sequence, timestamp);
    ASSERT_TRUE(out) << i;
    ASSERT_EQ(out->sequence, static_cast<uint16_t>(7 + i)) << i;
    ASSERT_EQ(out->timestamp, 3 + i * kFrame) << i;
  }
}

TEST(RtpStreamRewriter, ManySwitchesNeverLeaveAGapOrAJump) {
  // Both encoders tick together; the listener switches every few ticks
  // (every 7th and 11th, so the pattern is not one period). The stream must
  // advance by exactly one packet and one frame every tick.
  RtpStreamRewriter rewriter(kSsrc, 65000, kTsMax - 5000);
  uint16_t ownSequence = 300, sharedSequence = 65500;
  uint32_t ownTimestamp = 123456, sharedTimestamp = kTsMax - 2 * kFrame;
  bool own = false;
  std::optional<RtpStreamRewriter::Mapped> previous;
  const size_t allocations = test::AllocationsDuring([&] {
    for (int tick = 0; tick < 5000; ++tick) {
      if (tick % 7 == 0 || tick % 11 == 0) own = !own;
      const auto out = own ? rewriter.Rewrite(kOwn, ownSequence, ownTimestamp)
                           : rewriter.Rewrite(kShared, sharedSequence, sharedTimestamp);
      ASSERT_TRUE(out) << tick;
      if (previous) {
        ASSERT_EQ(out->sequence, static_cast<uint16_t>(previous->sequence + 1)) << tick;
        ASSERT_EQ(out->timestamp, previous->timestamp + kFrame) << tick;
      }
      previous = out;
      ++ownSequence, ++sharedSequence, ownTimestamp += kFrame, sharedTimestamp += kFrame;
    }
  });
  if (test::AllocationsCounted()) {
    EXPECT_EQ(allocations, 0u);
  }
}

TEST(RtpStreamRewriter, SenderReportTimestampsMapLikePackets) {
  RtpStreamRewriter rewriter(kSsrc, 1000, 50000);
  EXPECT_FALSE(rewriter.MapTimestamp(kShared, 700000));  // nothing sent yet
  rewriter.Rewrite(kShared, 500, 700000);
  struct Row {
    uint32_t source;
    uint32_t timestamp;
    std::optional<uint32_t> mapped;
  };
  // clang-format off
  const std::vector<Row> whileShared = {
      {kShared, 700000, 50000},
      {kShared, 700000 + 4800, 54800},  // between packets: the same clock
      {kShared, 699000, 49000},         // before the first
      {kOwn, 9600, std::nullopt},       // not on this stream (yet)
  };
  // clang-format on
  for (const Row& row : whileShared) {
    SCOPED_TRACE(testing::Message() << "source " << row.source << " ts " << row.timestamp);
    EXPECT_EQ(rewriter.MapTimestamp(row.source, row.timestamp), row.mapped);
  }
  rewriter.Rewrite(kOwn, 10, 9600);  // out 1001 at 50960
  // clang-format off
  const std::vector<Row> whileOwn = {
      {kOwn, 9600, 50960},
      {kOwn, 9600 + 480, 51440},
      {kOwn, 0, 50960 - 9600},
      {kShared, 700960, std::nullopt},  // its clock no longer has a place here
  };
  // clang-format on
  for (const Row& row : whileOwn) {
    SCOPED_TRACE(testing::Message() << "source " << row.source << " ts " << row.timestamp);
    EXPECT_EQ(rewriter.MapTimestamp(row.source, row.timestamp), row.mapped);
  }
  // Across the timestamp wrap too.
  RtpStreamRewriter wrapping(kSsrc, 0, kTsMax - 99);
  wrapping.Rewrite(kOwn, 1, 1000);
  EXPECT_EQ(wrapping.MapTimestamp(kOwn, 1000 + 100), 0u);
  EXPECT_EQ(wrapping.MapTimestamp(kOwn, 1000 + 1100), 1000u);
}

}  // namespace
}  // namespace plenum::mixer
