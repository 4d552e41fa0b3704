// How one incoming SSRC is being received, as the report block of an SR or
// RR tells its sender (RFC 3550 §6.4.1): the extended highest sequence
// number, packets expected and received, cumulative and fractional loss,
// interarrival jitter, and LSR/DLSR from the sender's last SR.
//
// Fed every RTP packet that arrives, in arrival order, retransmissions on
// the same SSRC included (RFC 3550 counts what arrives), and every SR from
// that SSRC. The arithmetic is appendix A's:
//  - A.1 sequence numbers: less than maxDropout ahead of the newest is new
//    (a smaller number is a wrap, another cycle); less than maxMisorder
//    behind it (or the newest again) is late: reordered or a duplicate,
//    counted but not moving the newest. Anything else is a jump. A jump is ignored until the very
//    next packet is the one after it: then the sender restarted, and the
//    statistics start again there, as if that packet were the first. Unlike
//    A.1, a packet that is not a jump in between cancels the suspicion (so
//    two stray numbers apart do not restart), as GStreamer's rtpsource does;
//    and the first packet is taken at once, without A.1's probation, since
//    our SSRCs come from the SDP, not from whoever sends.
//  - A.3 loss: expected is extended highest - base + 1; duplicates count
//    as received, so cumulative loss can go negative. It is clamped to the
//    24 signed bits it has on the wire. The fraction is over the interval
//    since the previous report block, so taking a block starts a new one.
//  - A.8 jitter, in the integer form A.8 gives (16 times the estimate,
//    reported >> 4, which reads up to about a unit low), updated by every
//    packet counted, late ones too. A video frame's packets share one
//    timestamp, so their spread in arrival counts as jitter, as RFC 3550
//    and GStreamer have it (libwebrtc skips them). A restart does not
//    reset the estimate but takes its transit afresh, so the new
//    timestamp base is not counted as jitter; nor is a transit that moves
//    by 5 s of the clock or more between two packets (a new timestamp base
//    under the same numbering), as libwebrtc does.
//  - LSR and DLSR: the middle 32 bits of the last SR's NTP time, and the
//    time since it arrived in 1/65536 s, rounded down so that the round
//    trip the sender works out is never short; both 0 before any SR.
//
// Time is passed in, never read: microseconds on one monotonic clock
// (g_get_monotonic_time), converted to the stream's clock rate for jitter.
// No allocation.
#pragma once

#include <cstdint>
#include <optional>

#include "transport/RtcpTypes.hpp"

namespace plenum::transport {

class ReceiveStatistics {
 public:
  struct Config {
    // RFC 3550 A.1's MAX_DROPOUT and MAX_MISORDER, in packets.
    uint16_t maxDropout = 3000;
    uint16_t maxMisorder = 100;
  };

  enum class Arrival {
    kFirst,    // the first packet: the statistics start here
    kNewer,    // ahead of the newest, maybe with a gap
    kLate,     // not ahead: reordered or a duplicate (counted all the same)
    kSuspect,  // a jump: not counted, unless the next packet confirms it
    kRestart,  // the jump confirmed: started again at this packet
  };

  // `clockRate` is the RTP clock of the stream (48000 for Opus, 90000 for
  // video); `ssrc` goes into the report block and the log.
  ReceiveStatistics(uint32_t ssrc, uint32_t clockRate);
  ReceiveStatistics(uint32_t ssrc, uint32_t clockRate, const Config& config);

  ReceiveStatistics(const ReceiveStatistics&) = delete;
  ReceiveStatistics& operator=(const ReceiveStatistics&) = delete;

  Arrival OnPacket(uint16_t sequence, uint32_t rtpTimestamp, int64_t arrivalUs);
  // An SR from this SSRC arrived: its NTP time, for LSR, and when, for DLSR.
  void OnSenderReport(uint64_t ntpTime, int64_t arrivalUs);

  // The report block to send at `nowUs`, which starts a new interval for
  // the fraction lost; nullopt before the first packet (there is nothing
  // to report, RFC 3550 §6.4).
  std::optional<RtcpReportBlock> TakeReportBlock(int64_t nowUs);

  uint32_t Ssrc() const { return ssrc_; }
  uint32_t ClockRate() const { return clockRate_; }
  // Extended: cycles << 16 | the newest sequence number.
  uint32_t ExtendedHighestSequence() const { return static_cast<uint32_t>(newest_); }
  uint64_t PacketsExpected() const;
  uint64_t PacketsReceived() const { return received_; }
  // Expected - received, unclamped; negative after duplicates.
  int64_t PacketsLost() const;
  // In RTP clock units, as the report block carries it.
  uint32_t Jitter() const { return jitter_ >> 4; }

  static const char* ToString(Arrival arrival);

 private:
  void Restart(uint16_t sequence);
  void UpdateJitter(uint32_t rtpTimestamp, int64_t arrivalUs);

  // Others.
  uint32_t ssrc_;
  uint32_t clockRate_;
  Config config_;
  bool started_ = false;
  int64_t base_ = 0;    // extended number of the first packet
  int64_t newest_ = 0;  // extended: cycles << 16 | max_seq, never wraps
  uint64_t received_ = 0;
  // The number that would confirm a jump (A.1's bad_seq).
  std::optional<uint16_t> probation_;
  // Expected and received at the previous report block (A.3).
  uint64_t expectedPrior_ = 0;
  uint64_t receivedPrior_ = 0;
  // A.8: the previous packet's transit, in RTP units; 16 x the jitter.
  std::optional<uint32_t> transit_;
  uint32_t jitter_ = 0;
  // The last SR: its compact NTP time (LSR) and when it arrived.
  std::optional<uint32_t> lastSr_;
  int64_t lastSrArrivalUs_ = 0;
};

}  // namespace plenum::transport
