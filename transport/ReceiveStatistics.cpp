#include "transport/ReceiveStatistics.hpp"

#include <algorithm>
#include <cstdlib>

#include "transport/Log.hpp"

namespace plenum::transport {
namespace {

constexpr int64_t kUsPerSecond = 1000000;
constexpr int64_t kSequenceSpace = 65536;
// The wire field is 24 bits signed.
constexpr int64_t kMinCumulativeLost = -0x800000;
constexpr int64_t kMaxCumulativeLost = 0x7fffff;
// A transit that moves by this many seconds of the clock is a new
// timestamp base, not jitter.
constexpr int64_t kMaxTransitStepSeconds = 5;
// DLSR saturates at 2^32 / 65536 s.
constexpr int64_t kMaxDelaySinceLastSrUs = (int64_t{1} << 16) * kUsPerSecond - 1;

// `us` on the stream's clock, truncated to 32 bits: only differences matter.
uint32_t ToRtpUnits(int64_t us, uint32_t clockRate) {
  const int64_t seconds = us / kUsPerSecond;
  const int64_t rest = us % kUsPerSecond;
  return static_cast<uint32_t>(seconds * clockRate + rest * clockRate / kUsPerSecond);
}

}  // namespace

ReceiveStatistics::ReceiveStatistics(uint32_t ssrc, uint32_t clockRate)
    : ReceiveStatistics(ssrc, clockRate, Config{}) {}

ReceiveStatistics::ReceiveStatistics(uint32_t ssrc, uint32_t clockRate, const Config& config)
    : ssrc_(ssrc), clockRate_(clockRate), config_(config) {
  InitTransportLog();
}

ReceiveStatistics::Arrival ReceiveStatistics::OnPacket(uint16_t sequence, uint32_t rtpTimestamp, int64_t arrivalUs) {
  if (!started_) {
    started_ = true;
    base_ = newest_ = sequence;
    received_ = 1;
    UpdateJitter(rtpTimestamp, arrivalUs);
    return Arrival::kFirst;
  }

  // How far ahead of the newest, modulo the sequence space (A.1's udelta).
  const uint16_t ahead = static_cast<uint16_t>(sequence - static_cast<uint16_t>(newest_));
  Arrival arrival = Arrival::kLate;
  if (ahead != 0 && ahead < config_.maxDropout) {
    // Past 65535 the extended number carries into the next cycle by itself.
    newest_ += ahead;
    arrival = Arrival::kNewer;
  } else if (ahead != 0 && ahead <= kSequenceSpace - config_.maxMisorder) {
    if (probation_ != sequence) {
      probation_ = static_cast<uint16_t>(sequence + 1);
      return Arrival::kSuspect;
    }
    Restart(sequence);
    UpdateJitter(rtpTimestamp, arrivalUs);
    return Arrival::kRestart;
  }
  probation_.reset();
  ++received_;
  UpdateJitter(rtpTimestamp, arrivalUs);
  return arrival;
}

void ReceiveStatistics::Restart(uint16_t sequence) {
  GST_DEBUG("restart receive-statistics [ssrc:%u, from:%u, to:%u, expected:%" G_GUINT64_FORMAT
            ", received:%" G_GUINT64_FORMAT "]",
            ssrc_, static_cast<unsigned>(newest_ & 0xffff), static_cast<unsigned>(sequence), PacketsExpected(),
            received_);
  base_ = newest_ = sequence;
  received_ = 1;
  expectedPrior_ = 0;
  receivedPrior_ = 0;
  probation_.reset();
  transit_.reset();
}

void ReceiveStatistics::UpdateJitter(uint32_t rtpTimestamp, int64_t arrivalUs) {
  // A.8: the transit's absolute change from the previous packet, D(i-1,i),
  // in RTP units; J += (|D| - J) / 16, kept as 16 x J.
  const uint32_t transit = ToRtpUnits(arrivalUs, clockRate_) - rtpTimestamp;
  if (transit_) {
    const int64_t step = std::abs(static_cast<int64_t>(static_cast<int32_t>(transit - *transit_)));
    if (step < kMaxTransitStepSeconds * clockRate_) {
      jitter_ += static_cast<uint32_t>(step) - ((jitter_ + 8) >> 4);
    }
  }
  transit_ = transit;
}

void ReceiveStatistics::OnSenderReport(uint64_t ntpTime, int64_t arrivalUs) {
  lastSr_ = CompactNtp(ntpTime);
  lastSrArrivalUs_ = arrivalUs;
}

uint64_t ReceiveStatistics::PacketsExpected() const {
  return started_ ? static_cast<uint64_t>(newest_ - base_ + 1) : 0;
}

int64_t ReceiveStatistics::PacketsLost() const {
  return static_cast<int64_t>(PacketsExpected()) - static_cast<int64_t>(received_);
}

std::optional<RtcpReportBlock> ReceiveStatistics::TakeReportBlock(int64_t nowUs) {
  if (!started_) return std::nullopt;

  // A.3: the fraction is over what was expected and received since the
  // previous block; late packets can make the interval's loss negative,
  // which reports as none.
  const uint64_t expected = PacketsExpected();
  const int64_t expectedInterval = static_cast<int64_t>(expected - expectedPrior_);
  const int64_t receivedInterval = static_cast<int64_t>(received_ - receivedPrior_);
  expectedPrior_ = expected;
  receivedPrior_ = received_;
  const int64_t lostInterval = expectedInterval - receivedInterval;

  RtcpReportBlock block;
  block.ssrc = ssrc_;
  if (expectedInterval > 0 && lostInterval > 0) {
    block.fractionLost = static_cast<uint8_t>(std::min<int64_t>((lostInterval << 8) / expectedInterval, 255));
  }
  block.cumulativeLost = static_cast<int32_t>(std::clamp(PacketsLost(), kMinCumulativeLost, kMaxCumulativeLost));
  block.highestSequence = ExtendedHighestSequence();
  block.jitter = Jitter();
  if (lastSr_) {
    const int64_t delayUs = std::clamp<int64_t>(nowUs - lastSrArrivalUs_, 0, kMaxDelaySinceLastSrUs);
    block.lastSr = *lastSr_;
    block.delaySinceLastSr = static_cast<uint32_t>((delayUs << 16) / kUsPerSecond);
  }
  return block;
}

const char* ReceiveStatistics::ToString(Arrival arrival) {
  switch (arrival) {
    case Arrival::kFirst: return "first";
    case Arrival::kNewer: return "newer";
    case Arrival::kLate: return "late";
    case Arrival::kSuspect: return "suspect";
    case Arrival::kRestart: return "restart";
  }
  return "unknown";
}

}  // namespace plenum::transport
