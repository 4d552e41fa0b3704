// What we have sent on one outgoing SSRC, for the sender info of its SR
// (RFC 3550 §6.4.1): packets and payload octets sent, and an RTP timestamp
// with the instant it stands for, from which the SR's RTP time is
// extrapolated at the clock rate to the instant of its NTP time.
//
// The counts take every packet sent, retransmissions on this SSRC too, and
// payload octets only (no header, padding or SRTP tag), as RFC 3550 says;
// on the wire both wrap at 2^32. The timestamp's reference is the first
// packet sent with a new timestamp, so a video frame's later packets do
// not move it, nor does a retransmission (which carries an old one).
//
// Time is passed in, never read: microseconds on one monotonic clock
// (g_get_monotonic_time). The SR's NTP time is wall clock, which the
// caller reads at the same moment (NtpTimeFromUnixUs(g_get_real_time()));
// extrapolating on the monotonic clock keeps a wall-clock step out of the
// RTP time. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "transport/RtcpTypes.hpp"

namespace plenum::transport {

class SendStatistics {
 public:
  // `clockRate` is the RTP clock of the stream (48000 for Opus, 90000 for
  // video).
  SendStatistics(uint32_t ssrc, uint32_t clockRate);

  SendStatistics(const SendStatistics&) = delete;
  SendStatistics& operator=(const SendStatistics&) = delete;

  // A packet sent with `rtpTimestamp`, which stands for `timeUs`: when it
  // was sent, or when its media was captured or mixed if the caller knows.
  void OnPacket(uint32_t rtpTimestamp, size_t payloadSize, int64_t timeUs);
  // A packet sent again (answering a NACK): counted, but its old timestamp
  // says nothing about now.
  void OnRetransmission(size_t payloadSize);

  // The sender info of an SR sent at `nowUs`, whose NTP time is `ntpTime`;
  // nullopt before the first packet, when there is no RTP time to give
  // (and nothing to send an SR about: an RR it is).
  std::optional<RtcpSenderInfo> SenderInfo(int64_t nowUs, uint64_t ntpTime) const;
  // The RTP time of `timeUs`; nullopt before the first packet.
  std::optional<uint32_t> RtpTimeAt(int64_t timeUs) const;

  uint32_t Ssrc() const { return ssrc_; }
  uint32_t ClockRate() const { return clockRate_; }
  uint64_t PacketsSent() const { return packets_; }
  uint64_t PayloadOctetsSent() const { return octets_; }

 private:
  // Others.
  uint32_t ssrc_;
  uint32_t clockRate_;
  uint64_t packets_ = 0;
  uint64_t octets_ = 0;
  // The reference: a timestamp and the instant it stands for.
  std::optional<uint32_t> rtpTimestamp_;
  int64_t timestampUs_ = 0;
};

}  // namespace plenum::transport
