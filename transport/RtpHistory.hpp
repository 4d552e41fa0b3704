// What we sent one receiver on one SSRC, kept a short while to answer its
// NACKs (RFC 4585 §6.2.1) with the very bytes it missed.
//
// A ring of preallocated slots indexed by sequence number: a packet lands
// in the slot its number picks, overwriting whatever was there, and the
// slot remembers the packet's extended (never wrapping) number so a lookup
// cannot return a packet 65536 numbers earlier. What is further behind the
// newest packet than the ring is long, older than the age limit, or was
// overwritten is gone. All memory is taken in the constructor; Store and
// Find allocate nothing.
//
// Packets are stored in the order they are sent, so the numbers only move
// forward; one further back than the ring can only mean the numbering
// restarted, and the history starts again from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace plenum::transport {

class RtpHistory {
 public:
  struct Limits {
    // Rounded up to a power of two, so the slot a number picks does not
    // change when the 16-bit number wraps; at most 32768.
    size_t packets = 0;
    // 0: no age limit.
    uint64_t maxAgeMs = 0;
    // Larger packets are not kept (and cannot be resent).
    size_t maxPacketSize = 1500;
  };

  // A second of 20 ms Opus is 50 packets; the age is what limits audio.
  static constexpr Limits kAudio{64, 1000, 1500};
  // A few frames of high-rate video; two seconds is past any jitter
  // buffer's patience, so older packets are not worth sending again.
  static constexpr Limits kVideo{512, 2000, 1500};

  explicit RtpHistory(const Limits& limits);

  RtpHistory(const RtpHistory&) = delete;
  RtpHistory& operator=(const RtpHistory&) = delete;

  // Copies `packet`, sent at `nowMs`, as `sequence`. False (nothing kept)
  // when it is empty or larger than maxPacketSize.
  bool Store(uint16_t sequence, std::span<const uint8_t> packet, uint64_t nowMs);
  // The same, reading the sequence number from the packet; false when it is
  // not RTP. The caller that has parsed the packet already should pass the
  // number instead: parsing again costs a GstBuffer wrap.
  bool Store(std::span<const uint8_t> packet, uint64_t nowMs);

  // The packet stored as `sequence`, valid until the next Store or Clear.
  std::optional<std::span<const uint8_t>> Find(uint16_t sequence, uint64_t nowMs) const;

  void Clear();
  size_t Slots() const { return slots_.size(); }

 private:
  struct Slot {
    bool used = false;
    int64_t extended = 0;
    uint64_t storedAtMs = 0;
    size_t length = 0;
  };

  // The extended number of `sequence`: the one nearest the newest.
  int64_t Extend(uint16_t sequence) const;

  // Others.
  std::vector<Slot> slots_;
  std::vector<uint8_t> storage_;  // slots_.size() x maxPacketSize_
  size_t mask_;
  size_t maxPacketSize_;
  uint64_t maxAgeMs_;
  bool started_ = false;
  int64_t newest_ = 0;
};

}  // namespace plenum::transport
