// The RTCP values RtcpWriter writes and RtcpReader reads, in host order,
// and the round-trip time a report block gives (RFC 3550 §6.4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace plenum::transport {

// An SR's sender info (RFC 3550 §6.4.1).
struct RtcpSenderInfo {
  uint32_t ssrc = 0;
  uint64_t ntpTime = 0;  // 32.32 fixed point, seconds since 1900
  uint32_t rtpTime = 0;  // the same instant on the RTP clock
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
  bool operator==(const RtcpSenderInfo&) const = default;
};

// One report block of an SR or RR: how the reporter receives `ssrc`.
struct RtcpReportBlock {
  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;       // since the previous report, in 1/256
  int32_t cumulativeLost = 0;     // 24 bits signed on the wire
  uint32_t highestSequence = 0;   // extended: cycles << 16 | sequence
  uint32_t jitter = 0;            // RTP clock units
  uint32_t lastSr = 0;            // compact NTP of the last SR from `ssrc`; 0: none yet
  uint32_t delaySinceLastSr = 0;  // in 1/65536 s
  bool operator==(const RtcpReportBlock&) const = default;
};

// A report block as read, with the SSRC of the SR/RR that carried it.
struct RtcpReceivedBlock {
  uint32_t reporterSsrc = 0;
  RtcpReportBlock block;
  bool operator==(const RtcpReceivedBlock&) const = default;
};

// Picture loss indication (RFC 4585 §6.3.1).
struct RtcpPli {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  bool operator==(const RtcpPli&) const = default;
};

// Full intra request (RFC 5104 §4.3.1): one per FCI entry; `mediaSsrc` is
// the entry's target, the header's media SSRC being 0 by definition.
struct RtcpFir {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  uint8_t sequenceNumber = 0;  // the same number again is a repeat, not a new request
  bool operator==(const RtcpFir&) const = default;
};

// Generic NACK (RFC 4585 §6.2.1), its PID/BLP pairs expanded.
struct RtcpNack {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  std::span<const uint16_t> sequences;
};

// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03): the
// bitrate the sender should keep the listed SSRCs under, all together.
struct RtcpRemb {
  uint32_t senderSsrc = 0;
  uint64_t bitrate = 0;  // bits per second; saturated when the exponent overflows 64 bits
  std::span<const uint32_t> ssrcs;
};

// The middle 32 bits of a 64-bit NTP time: what LSR carries.
constexpr uint32_t CompactNtp(uint64_t ntpTime) { return static_cast<uint32_t>(ntpTime >> 16); }

// A wall-clock time in microseconds since 1970 (g_get_real_time) as a
// 64-bit NTP time, for an SR: seconds since 1900 in the upper half, the
// fraction of a second in the lower, rounded down. From 2036 the seconds
// wrap (NTP era 1), which the compact form and every difference survive.
constexpr uint64_t NtpTimeFromUnixUs(int64_t unixUs) {
  constexpr uint64_t kUnixEpochInNtpSeconds = 2208988800u;
  constexpr uint64_t kUsPerSecond = 1000000;
  const auto us = static_cast<uint64_t>(unixUs);
  const uint64_t seconds = kUnixEpochInNtpSeconds + us / kUsPerSecond;
  const uint64_t fraction = ((us % kUsPerSecond) << 32) / kUsPerSecond;
  return seconds << 32 | fraction;
}

// The round trip a report block measures, for a block that arrived at
// `arrivalCompactNtp` (our clock, compact NTP): arrival - LSR - DLSR.
// nullopt when the reporter has had no SR from us (LSR 0) or the clocks
// make it negative, which a report from before a clock step can.
constexpr std::optional<uint32_t> RoundTripMs(uint32_t arrivalCompactNtp, const RtcpReportBlock& block) {
  if (block.lastSr == 0) return std::nullopt;
  const uint32_t rtt = arrivalCompactNtp - block.lastSr - block.delaySinceLastSr;
  if (static_cast<int32_t>(rtt) < 0) return std::nullopt;
  // 1/65536 s to ms, rounded.
  return static_cast<uint32_t>((static_cast<uint64_t>(rtt) * 1000 + 32768) >> 16);
}

}  // namespace plenum::transport
