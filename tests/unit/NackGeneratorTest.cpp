// NackGenerator as tables: each row is a packet arriving (or only time
// passing), then what TakeDue answers at that moment, whether a keyframe is
// wanted and how many packets are still missing. The manner of mediasoup's
// TestNackGenerator, with time passed in so every row is exact.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/NackGenerator.hpp"

namespace plenum::transport {
namespace {

using Arrival = NackGenerator::Arrival;
using Seqs = std::vector<uint16_t>;

struct Row {
  std::optional<uint16_t> sequence;  // nullopt: time passes, nothing arrives
  uint64_t nowMs;
  Arrival arrival;
  Seqs due;
  size_t missing;
  bool keyframe;
};

Row Packet(uint16_t sequence, uint64_t nowMs, Arrival arrival, Seqs due = {}, size_t missing = 0,
           bool keyframe = false) {
  return Row{sequence, nowMs, arrival, std::move(due), missing, keyframe};
}
Row Tick(uint64_t nowMs, Seqs due, size_t missing) {
  return Row{std::nullopt, nowMs, Arrival::kDuplicate, std::move(due), missing, false};
}

Seqs Range(uint16_t first, size_t count) {
  Seqs seqs(count);
  std::iota(seqs.begin(), seqs.end(), first);
  return seqs;
}

void Validate(NackGenerator& generator, const std::vector<Row>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(testing::Message() << "row " << i << ": "
                                    << (row.sequence ? "seq " + std::to_string(*row.sequence) : std::string("tick"))
                                    << " at " << row.nowMs);
    if (row.sequence) {
      const Arrival arrival = generator.OnPacket(*row.sequence, row.nowMs);
      EXPECT_STREQ(NackGenerator::ToString(arrival), NackGenerator::ToString(row.arrival));
    }
    const auto due = generator.TakeDue(row.nowMs);
    EXPECT_EQ(Seqs(due.begin(), due.end()), row.due);
    EXPECT_EQ(generator.TakeKeyframeRequest(), row.keyframe);
    EXPECT_EQ(generator.MissingCount(), row.missing);
  }
}

TEST(NackGenerator, InOrderPacketsAskForNothing) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(100, 0, Arrival::kFirst),
      Packet(101, 20, Arrival::kInOrder),
      Packet(102, 40, Arrival::kInOrder),
      Tick(1000, {}, 0),
  });
  // clang-format on
  EXPECT_FALSE(generator.NextDueMs());
}

TEST(NackGenerator, AsksAtOnceThenEveryRttUpToTheRetryLimit) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(1, 0, Arrival::kFirst),
      Packet(2, 10, Arrival::kInOrder),
      Packet(5, 20, Arrival::kGap, {3, 4}, 2),
      Tick(60, {}, 2),
      Tick(119, {}, 2),
      Tick(120, {3, 4}, 2),  // one RTT (100 ms) after the first ask
      Packet(3, 130, Arrival::kRecovered, {}, 1),
      Tick(220, {4}, 1),
      Tick(320, {4}, 1),
      Tick(420, {4}, 1),     // the fifth ask
      Tick(520, {}, 1),      // no sixth, but still missing
      Tick(1020, {}, 1),     // a second after its gap showed
      Tick(1021, {}, 0),     // forgotten
  });
  // clang-format on
}

TEST(NackGenerator, LateAndRepeatedPacketsAreNotLoss) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(10, 0, Arrival::kFirst),
      Packet(12, 1, Arrival::kGap, {11}, 1),
      Packet(11, 2, Arrival::kRecovered, {}, 0),
      Packet(11, 3, Arrival::kDuplicate),
      Packet(12, 4, Arrival::kDuplicate),
      Packet(9, 5, Arrival::kDuplicate),  // before the first: never missing
      Packet(14, 6, Arrival::kGap, {13}, 1),
      Packet(16, 7, Arrival::kGap, {15}, 2),
      Packet(15, 8, Arrival::kRecovered, {}, 1),
      Tick(106, {13}, 1),
  });
  // clang-format on
}

TEST(NackGenerator, WrapsAroundTheSequenceSpace) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(65533, 0, Arrival::kFirst),
      Packet(65534, 20, Arrival::kInOrder),
      Packet(2, 40, Arrival::kGap, {65535, 0, 1}, 3),
      Packet(0, 50, Arrival::kRecovered, {}, 2),
      Tick(140, {65535, 1}, 2),
      Packet(65535, 150, Arrival::kRecovered, {}, 1),
      Packet(3, 160, Arrival::kInOrder, {}, 1),
  });
  // clang-format on
}

TEST(NackGenerator, WaitsOutReorderingBeforeTheFirstAsk) {
  NackGenerator::Config config;
  config.firstAskDelayMs = 20;
  NackGenerator generator(1, config);
  // clang-format off
  Validate(generator, {
      Packet(1, 0, Arrival::kFirst),
      Packet(3, 0, Arrival::kGap, {}, 1),
      Tick(19, {}, 1),
      Tick(20, {2}, 1),
      Packet(5, 30, Arrival::kGap, {}, 2),
      Packet(4, 40, Arrival::kRecovered, {}, 1),  // merely reordered: never asked for
      Tick(120, {2}, 1),
  });
  // clang-format on
}

TEST(NackGenerator, SpacesAsksByTheRttGiven) {
  NackGenerator generator(1);
  generator.SetRtt(300);
  // clang-format off
  Validate(generator, {
      Packet(1, 0, Arrival::kFirst),
      Packet(3, 0, Arrival::kGap, {2}, 1),
      Tick(100, {}, 1),
      Tick(299, {}, 1),
      Tick(300, {2}, 1),
  });
  // clang-format on
  generator.SetRtt(0);  // unknown again: the default
  // clang-format off
  Validate(generator, {
      Tick(399, {}, 1),
      Tick(400, {2}, 1),
  });
  // clang-format on
}

TEST(NackGenerator, ForgetsPacketsTooFarBehind) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(0, 0, Arrival::kFirst),
      Packet(2, 0, Arrival::kGap, {1}, 1),
  });
  // clang-format on
  for (uint16_t sequence = 3; sequence <= 501; ++sequence) generator.OnPacket(sequence, 1);
  EXPECT_EQ(generator.MissingCount(), 1u);  // exactly 500 behind
  // clang-format off
  Validate(generator, {
      Packet(502, 1, Arrival::kInOrder, {}, 0),
      Packet(1, 2, Arrival::kSuspect, {}, 0),  // 501 behind: not even a duplicate any more
  });
  // clang-format on
}

TEST(NackGenerator, AskingForTooManyWantsAKeyframeInstead) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(0, 0, Arrival::kFirst),
      Packet(251, 10, Arrival::kGap, Range(1, 250), 250),  // exactly the limit
      Packet(300, 20, Arrival::kOverflow, {}, 0, true),    // 250 + 48 more
      Packet(299, 30, Arrival::kDuplicate),                // not missing: the list was dropped
      Packet(302, 40, Arrival::kGap, {301}, 1),
  });
  // clang-format on
  NackGenerator fresh(2);
  // clang-format off
  Validate(fresh, {
      Packet(0, 0, Arrival::kFirst),
      Packet(252, 0, Arrival::kOverflow, {}, 0, true),  // 251 in one gap
  });
  // clang-format on
}

TEST(NackGenerator, AJumpRestartsOnlyWhenTheNextPacketConfirmsIt) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(100, 0, Arrival::kFirst),
      Packet(102, 10, Arrival::kGap, {101}, 1),
      Packet(5000, 20, Arrival::kSuspect, {}, 1),   // a stray number
      Packet(103, 30, Arrival::kInOrder, {}, 1),    // the stream goes on: forget it
      Packet(5001, 40, Arrival::kSuspect, {}, 1),   // not confirmed by 5000 before it
      Packet(6000, 50, Arrival::kSuspect, {}, 1),
      Packet(6001, 60, Arrival::kRestart, {}, 0, true),
      Packet(6002, 70, Arrival::kInOrder),
      Packet(6004, 80, Arrival::kGap, {6003}, 1),
  });
  // clang-format on
}

TEST(NackGenerator, AJumpBackRestartsToo) {
  NackGenerator generator(1);
  // clang-format off
  Validate(generator, {
      Packet(40000, 0, Arrival::kFirst),
      Packet(40001, 10, Arrival::kInOrder),
      Packet(39990, 20, Arrival::kDuplicate),  // late, within the window
      Packet(100, 30, Arrival::kSuspect),
      Packet(101, 40, Arrival::kRestart, {}, 0, true),
      Packet(102, 50, Arrival::kInOrder),
      Packet(40002, 60, Arrival::kSuspect),    // the old numbering is the stray one now
      Packet(103, 70, Arrival::kInOrder),
  });
  // clang-format on
}

TEST(NackGenerator, SaysWhenItWillNextHaveSomethingToAsk) {
  NackGenerator::Config config;
  config.maxRetries = 2;
  NackGenerator generator(1, config);
  EXPECT_FALSE(generator.NextDueMs());
  generator.OnPacket(1, 0);
  generator.OnPacket(3, 20);
  EXPECT_EQ(generator.NextDueMs(), 20u);
  generator.TakeDue(25);
  EXPECT_EQ(generator.NextDueMs(), 125u);
  generator.OnPacket(6, 50);
  EXPECT_EQ(generator.NextDueMs(), 50u);
  generator.TakeDue(50);
  EXPECT_EQ(generator.NextDueMs(), 125u);
  generator.TakeDue(125);  // 2's last ask
  EXPECT_EQ(generator.NextDueMs(), 150u);
  generator.TakeDue(150);
  EXPECT_FALSE(generator.NextDueMs());  // all asked twice
  EXPECT_EQ(generator.MissingCount(), 3u);

  // An ask that would come after the packet is forgotten is no ask.
  config.maxRetries = 5;
  NackGenerator slow(2, config);
  slow.SetRtt(600);
  slow.OnPacket(1, 0);
  slow.OnPacket(3, 0);
  slow.TakeDue(0);
  EXPECT_EQ(slow.NextDueMs(), 600u);
  slow.TakeDue(600);
  EXPECT_FALSE(slow.NextDueMs());
}

TEST(NackGenerator, SteadyStateAllocatesNothing) {
  NackGenerator generator(1);
  size_t asked = 0;
  const size_t allocations = test::AllocationsDuring([&] {
    uint64_t now = 0;
    for (uint32_t i = 0; i < 100000; ++i, now += 5) {
      // Lose every 37th packet, and a burst of 40 now and then.
      if (i % 37 == 0 || i % 5000 < 40) continue;
      generator.OnPacket(static_cast<uint16_t>(i), now);
      asked += generator.TakeDue(now).size();
    }
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(asked, 0u);
}

}  // namespace
}  // namespace plenum::transport
