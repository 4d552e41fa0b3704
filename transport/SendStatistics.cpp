#include "transport/SendStatistics.hpp"

namespace plenum::transport {
namespace {

constexpr int64_t kUsPerSecond = 1000000;

// `us` (either sign) in RTP units of `clockRate`, rounded to the nearest.
int64_t ToRtpUnits(int64_t us, uint32_t clockRate) {
  const int64_t seconds = us / kUsPerSecond;
  const int64_t rest = us % kUsPerSecond;
  const int64_t half = rest < 0 ? -kUsPerSecond / 2 : kUsPerSecond / 2;
  return seconds * clockRate + (rest * clockRate + half) / kUsPerSecond;
}

}  // namespace

SendStatistics::SendStatistics(uint32_t ssrc, uint32_t clockRate) : ssrc_(ssrc), clockRate_(clockRate) {}

void SendStatistics::OnPacket(uint32_t rtpTimestamp, size_t payloadSize, int64_t timeUs) {
  ++packets_;
  octets_ += payloadSize;
  if (rtpTimestamp_ == rtpTimestamp) return;
  rtpTimestamp_ = rtpTimestamp;
  timestampUs_ = timeUs;
}

void SendStatistics::OnRetransmission(size_t payloadSize) {
  ++packets_;
  octets_ += payloadSize;
}

std::optional<uint32_t> SendStatistics::RtpTimeAt(int64_t timeUs) const {
  if (!rtpTimestamp_) return std::nullopt;
  return static_cast<uint32_t>(*rtpTimestamp_ + static_cast<uint64_t>(ToRtpUnits(timeUs - timestampUs_, clockRate_)));
}

std::optional<RtcpSenderInfo> SendStatistics::SenderInfo(int64_t nowUs, uint64_t ntpTime) const {
  const std::optional<uint32_t> rtpTime = RtpTimeAt(nowUs);
  if (!rtpTime) return std::nullopt;
  // RFC 3550 §6.4.1: both counts wrap at 2^32.
  return RtcpSenderInfo{ssrc_, ntpTime, *rtpTime, static_cast<uint32_t>(packets_), static_cast<uint32_t>(octets_)};
}

}  // namespace plenum::transport
