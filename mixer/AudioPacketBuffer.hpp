// One participant's incoming Opus packets, between the network and the
// room's 20 ms tick: a small jitter buffer in packets, not samples, so a
// participant nobody needs to hear costs no decode at all.
//
// Packets are slotted by sequence number into a fixed ring (no allocation
// once each slot's payload has grown to the largest packet seen). Playout
// starts once `targetDepth` packets are buffered and then takes one packet
// per tick; a missing one is reported as missing (the caller conceals it or
// recovers it from the next packet's in-band FEC). When more than
// `maxDepth` wait, the oldest are skipped, so a burst never becomes lasting
// delay; and when the depth has not come down to `targetDepth` at any tick
// of a whole second, one packet is skipped (a quiet one, by its RFC 6464
// level, when one comes within half a second), so that what a stall or a
// burst left behind drains back to the target instead of staying as added
// delay for the rest of the call; when nothing has come for `idleTicks`, playout stops and starts
// again, buffered afresh, with the next packet (a talker's DTX pause or a
// stall). Played packets stay in the ring until overwritten, so a decoder
// started for a newly selected speaker can be warmed from what they just
// said. Assumes 20 ms packets, what every WebRTC stack sends by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace plenum::mixer {

class AudioPacketBuffer {
 public:
  static constexpr size_t kSlots = 32;  // 640 ms of 20 ms packets

  struct Packet {
    int64_t sequence = -1;  // extended: never wraps
    uint32_t timestamp = 0;
    std::optional<uint8_t> level;  // RFC 6464 -dBov, when the client sends it
    std::vector<uint8_t> payload;
  };

  struct Slot {
    bool playing = false;          // false while (re)buffering: nothing to play, not even concealment
    const Packet* packet = nullptr;  // this tick's packet; null when it is missing
    const Packet* next = nullptr;    // the following one, if it is here (its FEC can rebuild a missing one)
    // The one just before `packet` when it was skipped this tick rather
    // than played: a decoder that has not seen it would take `packet` for
    // the frame after the last one it decoded, and mispredict it.
    const Packet* skipped = nullptr;
  };

  struct Stats {
    uint64_t received = 0;
    uint64_t late = 0;        // arrived after their tick had passed
    uint64_t duplicates = 0;
    uint64_t missing = 0;     // ticks that found no packet while playing
    uint64_t skipped = 0;     // dropped to keep the depth bounded
    uint64_t shrunk = 0;      // of those, dropped one at a time to drain a lasting excess
  };

  explicit AudioPacketBuffer(size_t targetDepth = 2, size_t maxDepth = 8, size_t idleTicks = 10);

  // Stores an arriving packet (`sequence` as on the wire). False when it is
  // late, a duplicate or too far from the stream to be believed.
  bool Push(uint16_t sequence, uint32_t timestamp, std::optional<uint8_t> level, std::span<const uint8_t> payload);
  // Advances one tick.
  Slot Pop();
  // Up to `count` of the packets played just before the current tick's,
  // oldest first (missing ones are left out).
  size_t RecentlyPlayed(size_t count, std::vector<const Packet*>& out) const;

  const Stats& GetStats() const { return stats_; }
  bool Playing() const { return playing_; }

 private:
  int64_t Extend(uint16_t sequence) const;
  Packet& SlotFor(int64_t sequence) { return ring_[static_cast<size_t>(sequence) % kSlots]; }
  const Packet* Find(int64_t sequence) const;
  void Reset();
  // Skips one packet when the depth stayed over the target for a window.
  void ShrinkIfLastingExcess();

  static constexpr size_t kShrinkWindowTicks = 50;    // 1 s
  static constexpr size_t kShrinkPatienceTicks = 25;  // 0.5 s
  static constexpr uint8_t kQuietLevel = 40;          // -40 dBov or quieter
  size_t targetDepth_;
  size_t maxDepth_;
  size_t idleTicks_;

  std::vector<Packet> ring_ = std::vector<Packet>(kSlots);
  bool started_ = false;   // a packet has been seen since the last reset
  bool playing_ = false;
  int64_t highest_ = -1;   // newest extended sequence stored
  int64_t lowest_ = -1;    // oldest stored since the last reset, where playout starts
  int64_t next_ = 0;       // the sequence the next tick plays
  size_t idle_ = 0;        // ticks since the last packet arrived
  // The smallest depth seen at a tick in the current window, and the ticks
  // in it; a window over the target asks for one packet to be skipped.
  int64_t windowMinDepth_ = 0;
  size_t windowTicks_ = 0;
  size_t shrinkWaited_ = 0;  // ticks a wanted skip has waited for a quiet packet
  bool shrinkWanted_ = false;
  bool arrived_ = false;   // a packet arrived since the last tick
  Stats stats_;
};

}  // namespace plenum::mixer
