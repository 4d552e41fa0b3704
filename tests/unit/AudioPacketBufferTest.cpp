// The audio engine's per-participant packet buffer (mixer/AudioPacketBuffer),
// tick by tick with exact sequence numbers.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "mixer/AudioPacketBuffer.hpp"

namespace plenum::mixer {
namespace {

const std::vector<uint8_t> kPayload = {0xfc, 0xff, 0xfe};

bool Push(AudioPacketBuffer& buffer, uint16_t sequence) {
  return buffer.Push(sequence, uint32_t(sequence) * 960u, std::nullopt, kPayload);
}

// What one tick plays: -1 while buffering, -2 for a missing packet, else
// the wire sequence number.
int Play(AudioPacketBuffer& buffer) {
  const AudioPacketBuffer::Slot slot = buffer.Pop();
  if (!slot.playing) return -1;
  if (!slot.packet) return -2;
  return int(uint16_t(slot.packet->sequence));
}

TEST(AudioPacketBuffer, StartsOnceTheTargetDepthIsBufferedThenPlaysInOrder) {
  AudioPacketBuffer buffer(2, 8);
  Push(buffer, 10);
  EXPECT_EQ(Play(buffer), -1);
  Push(buffer, 11);
  EXPECT_EQ(Play(buffer), 10);
  Push(buffer, 12);
  EXPECT_EQ(Play(buffer), 11);
  Push(buffer, 13);
  EXPECT_EQ(Play(buffer), 12);
}

TEST(AudioPacketBuffer, ReordersAndReportsWhatIsMissing) {
  AudioPacketBuffer buffer(2, 8);
  for (uint16_t s : {100, 102, 101}) Push(buffer, s);  // 101 late but in time
  Push(buffer, 104);                                  // 103 lost
  std::vector<int> played;
  for (int i = 0; i < 5; ++i) played.push_back(Play(buffer));
  EXPECT_EQ(played, (std::vector<int>{100, 101, 102, -2, 104}));
  EXPECT_EQ(buffer.GetStats().missing, 1u);
}

TEST(AudioPacketBuffer, TheNextPacketIsOfferedForFecWhenOneIsMissing) {
  AudioPacketBuffer buffer(2, 8);
  for (uint16_t s : {1, 2, 4}) Push(buffer, s);
  Play(buffer);
  Play(buffer);
  const AudioPacketBuffer::Slot slot = buffer.Pop();  // 3 is missing
  ASSERT_TRUE(slot.playing);
  EXPECT_EQ(slot.packet, nullptr);
  ASSERT_NE(slot.next, nullptr);
  EXPECT_EQ(uint16_t(slot.next->sequence), 4);
}

TEST(AudioPacketBuffer, LateAndDuplicatePacketsAreRefused) {
  AudioPacketBuffer buffer(2, 8);
  EXPECT_TRUE(Push(buffer, 50));
  EXPECT_FALSE(Push(buffer, 50));
  EXPECT_TRUE(Push(buffer, 51));
  EXPECT_EQ(Play(buffer), 50);
  EXPECT_EQ(Play(buffer), 51);
  EXPECT_FALSE(Push(buffer, 50)) << "its tick has passed";
  EXPECT_EQ(buffer.GetStats().late, 1u);
  EXPECT_EQ(buffer.GetStats().duplicates, 1u);
}

TEST(AudioPacketBuffer, ABurstIsTrimmedToTheTargetDepth) {
  AudioPacketBuffer buffer(2, 4);
  Push(buffer, 0);
  Push(buffer, 1);
  EXPECT_EQ(Play(buffer), 0);
  for (uint16_t s = 2; s < 12; ++s) Push(buffer, s);  // ten at once
  const AudioPacketBuffer::Slot slot = buffer.Pop();
  ASSERT_TRUE(slot.packet && slot.skipped);
  EXPECT_EQ(slot.packet->sequence - slot.skipped->sequence, 1) << "names the last one skipped, for the decoder";
  EXPECT_EQ(uint16_t(slot.packet->sequence), 10) << "skips to the newest two";
  EXPECT_EQ(Play(buffer), 11);
  EXPECT_EQ(buffer.GetStats().skipped, 9u);
}

TEST(AudioPacketBuffer, ALastingExcessDrainsBackToTheTargetDepth) {
  // A stall left six packets waiting (under the limit of eight, so none is
  // skipped at once); then one arrives per tick. Within a few seconds the
  // buffer is back to its target of two, one packet skipped per second.
  AudioPacketBuffer buffer(2, 8);
  uint16_t sequence = 100;
  for (int i = 0; i < 6; ++i) Push(buffer, sequence++);
  const auto depth = [&](int played) { return int(sequence) - played; };
  int played = Play(buffer);
  ASSERT_EQ(played, 100);
  EXPECT_EQ(depth(played), 6);
  for (int tick = 0; tick < 5 * 50; ++tick) {
    Push(buffer, sequence++);
    const AudioPacketBuffer::Slot slot = buffer.Pop();
    ASSERT_TRUE(slot.packet) << "tick " << tick;
    const int now = int(uint16_t(slot.packet->sequence));
    // The skipped packet is named, so that the decoder still runs over it.
    if (now != played + 1) EXPECT_TRUE(slot.skipped && int(uint16_t(slot.skipped->sequence)) == now - 1);
    else EXPECT_FALSE(slot.skipped);
    played = now;
  }
  EXPECT_EQ(depth(played), 2) << "still " << depth(played) - 2 << " packets of added delay";
  EXPECT_EQ(buffer.GetStats().shrunk, 4u);
  EXPECT_EQ(buffer.GetStats().missing, 0u);
}

TEST(AudioPacketBuffer, ASteadyStreamAtTheTargetIsNeverShrunk) {
  AudioPacketBuffer buffer(2, 8);
  uint16_t sequence = 7;
  Push(buffer, sequence++);
  for (int tick = 0; tick < 10 * 50; ++tick) {
    Push(buffer, sequence++);
    ASSERT_GE(Play(buffer), 0);
  }
  EXPECT_EQ(buffer.GetStats().skipped, 0u);
}

TEST(AudioPacketBuffer, SequenceNumbersWrap) {
  AudioPacketBuffer buffer(2, 8);
  Push(buffer, 65534);
  Push(buffer, 65535);
  std::vector<int> played;
  for (uint16_t s : {0, 1, 2}) {
    played.push_back(Play(buffer));
    Push(buffer, s);
  }
  played.push_back(Play(buffer));
  played.push_back(Play(buffer));
  EXPECT_EQ(played, (std::vector<int>{65534, 65535, 0, 1, 2}));
}

TEST(AudioPacketBuffer, AfterAPauseItBuffersAfresh) {
  AudioPacketBuffer buffer(2, 8, /*idleTicks=*/3);
  Push(buffer, 1);
  Push(buffer, 2);
  EXPECT_EQ(Play(buffer), 1);
  EXPECT_EQ(Play(buffer), 2);
  std::vector<int> played;
  for (int i = 0; i < 4; ++i) played.push_back(Play(buffer));
  // Idle counts from the last arrival, before the first tick: one tick
  // finds nothing (missing), then playout stops.
  EXPECT_EQ(played, (std::vector<int>{-2, -1, -1, -1}));
  EXPECT_FALSE(Push(buffer, 3)) << "its tick was played as missing";
  Push(buffer, 4);
  EXPECT_EQ(Play(buffer), -1) << "one packet is not the target depth";
  Push(buffer, 5);
  EXPECT_EQ(Play(buffer), 4);
}

TEST(AudioPacketBuffer, ASenderRestartIsANewStream) {
  AudioPacketBuffer buffer(2, 8);
  Push(buffer, 100);
  Push(buffer, 101);
  EXPECT_EQ(Play(buffer), 100);
  Push(buffer, 30000);
  Push(buffer, 30001);
  EXPECT_EQ(Play(buffer), 30000);
  EXPECT_EQ(Play(buffer), 30001);
}

TEST(AudioPacketBuffer, RecentlyPlayedPacketsWarmADecoder) {
  AudioPacketBuffer buffer(2, 8);
  for (uint16_t s = 0; s < 6; ++s) Push(buffer, s);
  std::vector<const AudioPacketBuffer::Packet*> recent;
  EXPECT_EQ(buffer.RecentlyPlayed(3, recent), 0u) << "nothing played yet";
  for (int i = 0; i < 5; ++i) Play(buffer);  // plays 0..4, 4 is this tick's
  buffer.RecentlyPlayed(3, recent);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(uint16_t(recent[0]->sequence), 1);
  EXPECT_EQ(uint16_t(recent[2]->sequence), 3);
}

TEST(AudioPacketBuffer, NothingArrivesNothingPlays) {
  AudioPacketBuffer buffer;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Play(buffer), -1);
  std::vector<const AudioPacketBuffer::Packet*> recent;
  EXPECT_EQ(buffer.RecentlyPlayed(3, recent), 0u);
}

}  // namespace
}  // namespace plenum::mixer
