#include "transport/NackGenerator.hpp"

#include <algorithm>
#include <utility>

#include "transport/Log.hpp"

namespace plenum::transport {

NackGenerator::NackGenerator(uint32_t ssrc) : NackGenerator(ssrc, Config{}) {}

NackGenerator::NackGenerator(uint32_t ssrc, const Config& config) : ssrc_(ssrc), config_(config) {
  InitTransportLog();
  missing_.reserve(config_.maxMissing);
  due_.reserve(config_.maxMissing);
}

NackGenerator::Arrival NackGenerator::OnPacket(uint16_t sequence, uint64_t nowMs) {
  if (!started_) {
    started_ = true;
    newest_ = sequence;
    return Arrival::kFirst;
  }

  // RFC 3550's "newer": within half the sequence space ahead.
  const int16_t delta = static_cast<int16_t>(sequence - static_cast<uint16_t>(newest_));
  const int64_t extended = newest_ + delta;
  const int64_t maxPacketAge = config_.maxPacketAge;

  if (delta <= 0) {
    const auto it = std::lower_bound(missing_.begin(), missing_.end(), extended,
                                     [](const Missing& missing, int64_t value) { return missing.extended < value; });
    if (it != missing_.end() && it->extended == extended) {
      missing_.erase(it);
      probation_.reset();
      return Arrival::kRecovered;
    }
    if (newest_ - extended <= maxPacketAge) {
      probation_.reset();
      return Arrival::kDuplicate;
    }
    return Suspect(sequence);
  }
  if (delta > maxPacketAge) return Suspect(sequence);
  probation_.reset();

  // What the new packet leaves too far behind is of no use any more, and
  // must not count towards an overflow. The list is ascending: a prefix.
  missing_.erase(missing_.begin(), std::find_if(missing_.begin(), missing_.end(), [&](const Missing& missing) {
                   return extended - missing.extended <= maxPacketAge;
                 }));

  const size_t gap = static_cast<size_t>(delta - 1);
  if (missing_.size() + gap > config_.maxMissing) {
    GST_DEBUG("clear nack-list [ssrc:%u, missing:%zu, gap:%zu] (keyframe wanted)", ssrc_, missing_.size(), gap);
    missing_.clear();
    newest_ = extended;
    keyframeWanted_ = true;
    return Arrival::kOverflow;
  }
  for (int64_t lost = newest_ + 1; lost < extended; ++lost) missing_.push_back(Missing{lost, nowMs, 0, 0});
  newest_ = extended;
  return gap == 0 ? Arrival::kInOrder : Arrival::kGap;
}

NackGenerator::Arrival NackGenerator::Suspect(uint16_t sequence) {
  if (probation_ == sequence) {
    Restart(sequence);
    return Arrival::kRestart;
  }
  probation_ = static_cast<uint16_t>(sequence + 1);
  return Arrival::kSuspect;
}

void NackGenerator::Restart(uint16_t sequence) {
  GST_DEBUG("restart nack-generator [ssrc:%u, from:%u, to:%u, missing:%zu]", ssrc_,
            static_cast<unsigned>(newest_ & 0xffff), static_cast<unsigned>(sequence), missing_.size());
  missing_.clear();
  newest_ = sequence;
  probation_.reset();
  keyframeWanted_ = true;
}

uint64_t NackGenerator::DueAt(const Missing& missing) const {
  return missing.asks == 0 ? missing.sinceMs + config_.firstAskDelayMs : missing.askedAtMs + rttMs_;
}

std::span<const uint16_t> NackGenerator::TakeDue(uint64_t nowMs) {
  due_.clear();
  std::erase_if(missing_, [&](const Missing& missing) {
    return nowMs > missing.sinceMs && nowMs - missing.sinceMs > config_.maxAgeMs;
  });
  for (Missing& missing : missing_) {
    if (missing.asks >= config_.maxRetries || nowMs < DueAt(missing)) continue;
    due_.push_back(static_cast<uint16_t>(missing.extended));
    ++missing.asks;
    missing.askedAtMs = nowMs;
  }
  return due_;
}

std::optional<uint64_t> NackGenerator::NextDueMs() const {
  std::optional<uint64_t> next;
  for (const Missing& missing : missing_) {
    if (missing.asks >= config_.maxRetries) continue;
    const uint64_t due = DueAt(missing);
    // It will be forgotten before then.
    if (due - missing.sinceMs > config_.maxAgeMs) continue;
    if (!next || due < *next) next = due;
  }
  return next;
}

bool NackGenerator::TakeKeyframeRequest() { return std::exchange(keyframeWanted_, false); }

const char* NackGenerator::ToString(Arrival arrival) {
  switch (arrival) {
    case Arrival::kFirst: return "first";
    case Arrival::kInOrder: return "in-order";
    case Arrival::kGap: return "gap";
    case Arrival::kRecovered: return "recovered";
    case Arrival::kDuplicate: return "duplicate";
    case Arrival::kOverflow: return "overflow";
    case Arrival::kSuspect: return "suspect";
    case Arrival::kRestart: return "restart";
  }
  return "unknown";
}

}  // namespace plenum::transport
