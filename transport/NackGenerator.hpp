// Which packets of one incoming SSRC are missing, and when to ask for them
// again (generic NACK, RFC 4585 §6.2.1).
//
// Fed the sequence number of every packet that arrives (retransmissions
// too, by their original number), it keeps the list of numbers not seen
// and hands out, when asked at a given time, those due: a new gap at once
// (or after a reordering allowance), then again every round-trip time, a
// few times at most. A missing packet is forgotten once it is too old to
// be of use, by time or by how many newer packets have arrived since.
//
// A gap wider than the list may hold is not asked for packet by packet: the
// list is cleared and a keyframe wanted instead. A jump by more than the
// packet age, forward or back, is put on probation as RFC 3550 A.1 does: a
// single stray number is ignored, and a second that follows it restarts the
// generator there (and wants a keyframe, as a restarted encoder or a long
// outage does).
//
// Time is passed in, never read, so the tests are exact. No allocation
// after the constructor: the list is a vector reserved to its limit.
// Models: mediasoup's RTC::NackGenerator (list by sequence, retries by RTT,
// keyframe on overflow) and libwebrtc's nack_module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace plenum::transport {

class NackGenerator {
 public:
  struct Config {
    // A missing packet is forgotten this long after its gap showed up...
    uint64_t maxAgeMs = 1000;
    // ...or once this many newer packets have arrived. Also the jump that
    // counts as a restart.
    uint16_t maxPacketAge = 500;
    // More missing than this at once: a keyframe is cheaper than asking.
    size_t maxMissing = 250;
    // Asks per missing packet.
    uint8_t maxRetries = 5;
    // Wait this long before the first ask, for packets merely reordered.
    uint64_t firstAskDelayMs = 0;
  };

  static constexpr uint32_t kDefaultRttMs = 100;

  enum class Arrival {
    kFirst,      // the first packet: nothing to compare with
    kInOrder,    // the next one
    kGap,        // newer, with packets missing before it (now in the list)
    kRecovered,  // one of the missing
    kDuplicate,  // seen already, or too late to matter
    kOverflow,   // a gap too wide: list cleared, keyframe wanted
    kSuspect,    // a jump, ignored until the next packet confirms it
    kRestart,    // the jump confirmed: started again there, keyframe wanted
  };

  // `ssrc` only names the stream in the log.
  explicit NackGenerator(uint32_t ssrc);
  NackGenerator(uint32_t ssrc, const Config& config);

  NackGenerator(const NackGenerator&) = delete;
  NackGenerator& operator=(const NackGenerator&) = delete;

  Arrival OnPacket(uint16_t sequence, uint64_t nowMs);

  // The numbers to NACK now, oldest first; each counts as asked. Valid
  // until the next call on this generator.
  std::span<const uint16_t> TakeDue(uint64_t nowMs);
  // When TakeDue will next have something, for the caller's timer; nullopt
  // when nothing is left to ask.
  std::optional<uint64_t> NextDueMs() const;

  // True once per overflow or restart.
  bool TakeKeyframeRequest();

  // 0 means unknown: kDefaultRttMs.
  void SetRtt(uint32_t rttMs) { rttMs_ = rttMs == 0 ? kDefaultRttMs : rttMs; }

  size_t MissingCount() const { return missing_.size(); }
  static const char* ToString(Arrival arrival);

 private:
  struct Missing {
    int64_t extended = 0;
    uint64_t sinceMs = 0;
    uint64_t askedAtMs = 0;
    uint8_t asks = 0;
  };

  Arrival Suspect(uint16_t sequence);
  void Restart(uint16_t sequence);
  uint64_t DueAt(const Missing& missing) const;

  // Others.
  uint32_t ssrc_;
  Config config_;
  uint32_t rttMs_ = kDefaultRttMs;
  bool started_ = false;
  int64_t newest_ = 0;  // extended: never wraps
  // The number that would confirm a jump (RFC 3550 A.1's bad_seq).
  std::optional<uint16_t> probation_;
  bool keyframeWanted_ = false;
  std::vector<Missing> missing_;  // ascending, reserved to config_.maxMissing
  std::vector<uint16_t> due_;     // TakeDue's answer, reserved likewise
};

}  // namespace plenum::transport
