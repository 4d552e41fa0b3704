// RtpHistory as a table of stores and lookups, each row one call and what
// it must answer, in the manner of mediasoup's TestNackGenerator. Packets
// carry their own number and a tag byte, so a lookup that returns the
// wrong packet (one overwritten, or 65536 numbers earlier) shows.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/RtpHistory.hpp"

namespace plenum::transport {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Packet(uint16_t sequence, uint8_t tag, size_t payload = 1) {
  // clang-format off
  Bytes packet = {0x80, 0x6f, static_cast<uint8_t>(sequence >> 8), static_cast<uint8_t>(sequence), 0, 0, 0, 0,
                  0x11, 0x22, 0x33, 0x44};
  // clang-format on
  packet.insert(packet.end(), payload, tag);
  return packet;
}

struct Row {
  enum class Op { kStore, kFind } op;
  uint16_t sequence;
  uint64_t nowMs;
  uint8_t tag;    // stored, or expected back
  bool expected;  // Store: kept; Find: found (with `tag`)
};

constexpr Row Store(uint16_t sequence, uint64_t nowMs, uint8_t tag = 'a') {
  return {Row::Op::kStore, sequence, nowMs, tag, true};
}
constexpr Row Found(uint16_t sequence, uint64_t nowMs, uint8_t tag = 'a') {
  return {Row::Op::kFind, sequence, nowMs, tag, true};
}
constexpr Row Gone(uint16_t sequence, uint64_t nowMs) { return {Row::Op::kFind, sequence, nowMs, 0, false}; }

void Validate(RtpHistory& history, const std::vector<Row>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(testing::Message() << "row " << i << ": " << (row.op == Row::Op::kStore ? "store " : "find ")
                                    << row.sequence << " at " << row.nowMs);
    if (row.op == Row::Op::kStore) {
      EXPECT_EQ(history.Store(row.sequence, Packet(row.sequence, row.tag), row.nowMs), row.expected);
      continue;
    }
    const auto found = history.Find(row.sequence, row.nowMs);
    ASSERT_EQ(found.has_value(), row.expected);
    if (found) {
      EXPECT_EQ(Bytes(found->begin(), found->end()), Packet(row.sequence, row.tag));
    }
  }
}

constexpr RtpHistory::Limits kEight{8, 0, 1500};

TEST(RtpHistory, FindsWhatWasStored) {
  RtpHistory history(kEight);
  // clang-format off
  Validate(history, {
      Gone(10, 0),  // nothing stored yet
      Store(10, 0), Store(11, 20), Store(12, 40),
      Found(10, 50), Found(11, 50), Found(12, 50),
      Gone(13, 50),  // not sent yet
      Gone(9, 50),   // never sent
  });
  // clang-format on
}

TEST(RtpHistory, ForgetsWhatTheRingHasPassed) {
  RtpHistory history(kEight);
  for (uint16_t sequence = 0; sequence < 20; ++sequence) history.Store(sequence, Packet(sequence, 'a'), sequence);
  // clang-format off
  Validate(history, {
      Found(19, 20), Found(12, 20),
      Gone(11, 20),  // eight behind the newest: its slot is 19's
      Gone(4, 20),   // in 12's slot
  });
  // clang-format on
}

TEST(RtpHistory, WrapsAroundTheSequenceSpace) {
  RtpHistory history(kEight);
  // clang-format off
  Validate(history, {
      Store(65532, 0), Store(65533, 0), Store(65534, 0), Store(65535, 0),
      Store(0, 0), Store(1, 0), Store(2, 0), Store(3, 0),
      Found(65532, 0), Found(65535, 0), Found(0, 0), Found(3, 0),
      Gone(65531, 0), Gone(4, 0),
  });
  // clang-format on
}

TEST(RtpHistory, GapsStayGapsAndTheLatestCopyWins) {
  RtpHistory history(kEight);
  // clang-format off
  Validate(history, {
      Store(1, 0), Store(3, 0), Store(5, 0),
      Gone(2, 0), Found(3, 0), Gone(4, 0),
      Store(5, 10, 'b'), Found(5, 10, 'b'),
      // Late but inside the ring: kept, and the newest stays the newest.
      Store(4, 20, 'c'), Found(4, 20, 'c'), Found(5, 20, 'b'),
      // Past the slot 1 shared with 9 (and past the ring): 1 is gone.
      Store(9, 30), Gone(1, 30), Found(9, 30),
  });
  // clang-format on
}

TEST(RtpHistory, ForgetsPacketsOlderThanTheAgeLimit) {
  RtpHistory history(RtpHistory::Limits{8, 100, 1500});
  // clang-format off
  Validate(history, {
      Store(1, 1000), Store(2, 1050),
      Found(1, 1100),  // exactly the limit
      Gone(1, 1101), Found(2, 1101), Found(2, 1150), Gone(2, 1151),
      Found(2, 900),   // a clock behind the store time is not an age
  });
  // clang-format on
}

TEST(RtpHistory, RestartsWhenTheNumberingDoes) {
  RtpHistory history(kEight);
  // clang-format off
  Validate(history, {
      Store(1000, 0), Store(1001, 0), Store(1002, 0), Store(1003, 0),
      Store(5, 10, 'r'),  // far behind 1003: a renumbered stream
      Gone(1003, 10), Found(5, 10, 'r'),
      Store(6, 20, 'r'), Found(6, 20, 'r'),
      // A jump ahead needs no restart: everything behind it is simply out of the ring.
      Store(30000, 30), Gone(6, 30), Found(30000, 30),
  });
  // clang-format on
}

TEST(RtpHistory, RefusesPacketsItCannotKeep) {
  RtpHistory history(RtpHistory::Limits{8, 0, 100});
  EXPECT_FALSE(history.Store(1, Bytes{}, 0));
  EXPECT_FALSE(history.Store(1, Packet(1, 'a', 89), 0));  // 101 bytes
  EXPECT_FALSE(history.Find(1, 0));
  EXPECT_TRUE(history.Store(1, Packet(1, 'a', 88), 0));  // 100 bytes
  EXPECT_EQ(history.Find(1, 0)->size(), 100u);
  history.Clear();
  EXPECT_FALSE(history.Find(1, 0));
}

TEST(RtpHistory, ReadsTheSequenceNumberWhenNotGiven) {
  gst_init(nullptr, nullptr);
  RtpHistory history(kEight);
  EXPECT_TRUE(history.Store(Packet(4242, 'z'), 0));
  const auto found = history.Find(4242, 0);
  ASSERT_TRUE(found);
  EXPECT_EQ(Bytes(found->begin(), found->end()), Packet(4242, 'z'));
  EXPECT_FALSE(history.Store(Bytes{0x80, 0xc8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 0));  // RTCP
  EXPECT_FALSE(history.Store(Bytes{1, 2, 3}, 0));
}

TEST(RtpHistory, RoundsItsRingToAPowerOfTwo) {
  struct Case {
    size_t asked;
    size_t slots;
  };
  for (const Case& c : {Case{0, 1}, Case{1, 1}, Case{50, 64}, Case{64, 64}, Case{65, 128}, Case{100000, 32768}}) {
    SCOPED_TRACE(c.asked);
    EXPECT_EQ(RtpHistory(RtpHistory::Limits{c.asked, 0, 16}).Slots(), c.slots);
  }
  EXPECT_EQ(RtpHistory(RtpHistory::kAudio).Slots(), 64u);
  EXPECT_EQ(RtpHistory(RtpHistory::kVideo).Slots(), 512u);
}

TEST(RtpHistory, SteadyStateAllocatesNothing) {
  RtpHistory history(RtpHistory::kVideo);
  const Bytes packet = Packet(0, 'v', 1100);
  size_t found = 0;
  const size_t allocations = test::AllocationsDuring([&] {
    for (uint32_t i = 0; i < 70000; ++i) {
      const auto sequence = static_cast<uint16_t>(i);
      history.Store(sequence, packet, i);
      if (history.Find(static_cast<uint16_t>(sequence - 100), i)) ++found;
    }
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(found, 70000u - 100u);
}

}  // namespace
}  // namespace plenum::transport
