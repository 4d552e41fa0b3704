// Packet and bit rates of a participant's four RTP streams over the last
// few seconds, from the running totals its transport counts (packets and
// bytes per stream, only ever growing). The control thread samples the
// totals every second; a request compares the totals of that moment with
// the newest sample at least kWindow old. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace plenum::mcu {

struct StreamTotals {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // RTP packets as sent or received: header and payload
};
struct MediaTotals {
  StreamTotals audioIn, videoIn;    // from the participant
  StreamTotals audioOut, videoOut;  // to the participant
  std::uint64_t lostIn = 0;         // packets lost from the participant (RTCP: our reports)
  std::uint64_t lostOut = 0;        // packets lost to the participant (RTCP: its reports)
};

// Packets lost each way since the connection began, and their share of
// what was sent: lost / (lost + received) coming in, lost / sent going out
// (what we sent includes resent packets, so a lossy link with NACK reads a
// little low). Report blocks come every second or few, so these lag by that.
struct DirectionLoss {
  std::uint64_t packets = 0;
  double percent = 0;
};
struct MediaLoss {
  DirectionLoss in, out;
};
MediaLoss LossOf(const MediaTotals& totals);

struct StreamRate {
  double packetsPerSecond = 0;
  double kbps = 0;
};
struct MediaRates {
  StreamRate audioIn, videoIn, audioOut, videoOut;
};

class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kWindow{2000};
  // A shorter span than this (a participant who just joined) gives zeros.
  static constexpr std::chrono::milliseconds kShortest{500};

  void Sample(Clock::time_point at, const MediaTotals& totals);
  // Over the span from the newest sample at least kWindow old (else the
  // oldest) to `now`, whose totals are `totals`.
  MediaRates Rates(Clock::time_point now, const MediaTotals& totals) const;

 private:
  struct Point {
    Clock::time_point at;
    MediaTotals totals;
  };
  static constexpr std::size_t kMaxSamples = 8;

  std::deque<Point> samples_;  // oldest first
};

}  // namespace plenum::mcu
