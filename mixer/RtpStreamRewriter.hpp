// One outgoing audio stream towards one listener, fed by one source at a
// time, that the listener's decoder must see as a single stream.
//
// A listener hears their own mix while they are a selected speaker and the
// room's shared full mix otherwise; the two come from different encoders,
// each with its own sequence numbers and RTP timestamps. Sent unchanged, a
// switch would look to the receiver like a burst of loss (or a jump back)
// and a timestamp leap its jitter buffer would answer with a gap or a
// reset. So the stream keeps one SSRC, and each source's numbers are moved
// by a fixed offset (modulo 2^16 and 2^32, which makes wraparound free)
// chosen at the switch so the first packet of the new source follows the
// last one sent: sequence +1, timestamp + the time between them.
//
// Within a source the offsets do not change, so its own gaps stay gaps
// (the receiver's loss concealment and NACKs see real loss), reordered
// packets keep their order and a duplicate gets the same number again.
// What would collide with numbers already given to another source is
// dropped: a current source's packet older than its first since the
// switch, and a late packet of the source switched away from.
//
// The time between the last packet sent and the first after a switch is
// the caller's to say (the engine knows it: both encoders run on the
// room's 20 ms tick, so it is ticks since the last packet sent x 960).
// Without it one frame is assumed, right for a switch between two ticks.
// Neither source's own timestamps can tell: the old one's step between
// consecutive packets is not a packet's length once DTX has skipped
// silence (consecutive numbers, a long jump in time), and a source
// switched back to has been running all along on a base unrelated to the
// packets the listener got in between.
#pragma once

#include <cstdint>
#include <optional>

namespace plenum::mixer {

class RtpStreamRewriter {
 public:
  static constexpr uint32_t kOpusFrameTicks = 960;  // 20 ms at 48 kHz

  struct Mapped {
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
    bool operator==(const Mapped&) const = default;
  };

  // `firstSequence` and `firstTimestamp` are what the listener sees first
  // (random, RFC 3550 §5.1: the caller picks them, this class has no
  // randomness). `frameTicks`: one packet's duration, the time assumed
  // between two sources' packets when the caller does not say.
  RtpStreamRewriter(uint32_t ssrc, uint16_t firstSequence, uint32_t firstTimestamp,
                    uint32_t frameTicks = kOpusFrameTicks);

  // `source` identifies an encoder; a packet from a source other than the
  // current one switches to it. An id stands for one run of sequence
  // numbers: an encoder lent from a pool may keep its id, a re-created one
  // needs a new id (its SSRC will do), or its first packets could be taken
  // for late ones of the old. `elapsed`: RTP clock units from the newest packet sent
  // to this one, read only on a switch. nullopt: drop the packet.
  std::optional<Mapped> Rewrite(uint32_t source, uint16_t sequence, uint32_t timestamp,
                                std::optional<uint32_t> elapsed = std::nullopt);

  // A sender report's RTP timestamp, taken on the current source's clock,
  // mapped as that source's packets are. nullopt for any other source: its
  // clock no longer has a place on this stream.
  std::optional<uint32_t> MapTimestamp(uint32_t source, uint32_t timestamp) const;

  uint32_t Ssrc() const { return ssrc_; }
  std::optional<uint32_t> CurrentSource() const {
    return started_ ? std::optional<uint32_t>(current_.id) : std::nullopt;
  }
  // Of the newest packet sent (what a sender report extrapolates from).
  std::optional<Mapped> Newest() const;

 private:
  struct Source {
    uint32_t id = 0;
    uint16_t sequenceOffset = 0;
    uint32_t timestampOffset = 0;
    // Extended (64-bit, never wrapping) input sequence numbers.
    int64_t first = 0;   // the first packet since it became current
    int64_t newest = 0;  // the newest packet forwarded
    uint32_t newestTimestamp = 0;
  };

  // A source whose packet (sequence, timestamp) goes out as (outSequence,
  // outTimestamp), and every later one by the same offsets.
  static Source Begin(uint32_t source, uint16_t sequence, uint32_t timestamp, uint16_t outSequence,
                      uint32_t outTimestamp);
  void SwitchTo(uint32_t source, uint16_t sequence, uint32_t timestamp, uint32_t elapsed);
  Mapped Map(uint16_t sequence, uint32_t timestamp) const;

  uint32_t ssrc_;
  uint16_t firstSequence_;
  uint32_t firstTimestamp_;
  uint32_t frameTicks_;

  bool started_ = false;
  Source current_;
  // The source switched away from: what it sent up to the switch.
  std::optional<uint32_t> previousId_;
  uint16_t previousNewest_ = 0;
};

}  // namespace plenum::mixer
