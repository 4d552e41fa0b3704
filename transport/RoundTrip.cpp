#include "transport/RoundTrip.hpp"

#include <algorithm>

namespace plenum::transport {
namespace {

constexpr int64_t kUsPerSecond = 1000000;

}  // namespace

void RoundTrip::OnSenderReportSent(uint64_t ntpTime, int64_t sentUs) {
  sent_[next_] = Sent{CompactNtp(ntpTime), sentUs};
  next_ = (next_ + 1) % sent_.size();
  count_ = std::min(count_ + 1, sent_.size());
}

std::optional<int64_t> RoundTrip::OnReportBlock(const RtcpReportBlock& block, int64_t arrivalUs) {
  if (block.lastSr == 0) return std::nullopt;
  // Newest first: should two SRs share their middle bits (sent within
  // 1/65536 s), the later one is the one the reporter can have seen last.
  for (size_t i = 1; i <= count_; ++i) {
    const Sent& sent = sent_[(next_ + sent_.size() - i) % sent_.size()];
    if (sent.compactNtp != block.lastSr) continue;
    const int64_t delayUs = static_cast<int64_t>(block.delaySinceLastSr) * kUsPerSecond >> 16;
    const int64_t roundTripUs = arrivalUs - sent.sentUs - delayUs;
    if (roundTripUs < -kToleranceUs) return std::nullopt;
    lastUs_ = std::max<int64_t>(roundTripUs, 0);
    return lastUs_;
  }
  return std::nullopt;
}

}  // namespace plenum::transport
