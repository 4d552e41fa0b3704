#include "transport/RtpHistory.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "transport/Log.hpp"
#include "transport/RtpPacketView.hpp"

namespace plenum::transport {
namespace {

// At most half the sequence space: beyond that, "behind the newest" and
// "ahead of it" cannot be told apart.
size_t SlotCount(size_t packets) { return std::bit_ceil(std::clamp<size_t>(packets, 1, size_t{1} << 15)); }

}  // namespace

RtpHistory::RtpHistory(const Limits& limits)
    : slots_(SlotCount(limits.packets)),
      storage_(slots_.size() * limits.maxPacketSize),
      mask_(slots_.size() - 1),
      maxPacketSize_(limits.maxPacketSize),
      maxAgeMs_(limits.maxAgeMs) {
  InitTransportLog();
}

int64_t RtpHistory::Extend(uint16_t sequence) const {
  return newest_ + static_cast<int16_t>(sequence - static_cast<uint16_t>(newest_));
}

bool RtpHistory::Store(uint16_t sequence, std::span<const uint8_t> packet, uint64_t nowMs) {
  if (packet.empty() || packet.size() > maxPacketSize_) return false;
  int64_t extended = sequence;
  if (started_) {
    extended = Extend(sequence);
    if (newest_ - extended >= static_cast<int64_t>(slots_.size())) {
      GST_DEBUG("restart rtp-history [newest:%u, sequence:%u]", static_cast<unsigned>(newest_ & 0xffff),
                static_cast<unsigned>(sequence));
      Clear();
      extended = sequence;
    }
  }
  if (!started_ || extended > newest_) newest_ = extended;
  started_ = true;

  const size_t index = static_cast<size_t>(extended) & mask_;
  Slot& slot = slots_[index];
  slot.used = true;
  slot.extended = extended;
  slot.storedAtMs = nowMs;
  slot.length = packet.size();
  std::memcpy(storage_.data() + index * maxPacketSize_, packet.data(), packet.size());
  return true;
}

bool RtpHistory::Store(std::span<const uint8_t> packet, uint64_t nowMs) {
  const RtpPacketView view(packet);
  if (!view) return false;
  return Store(view.SequenceNumber(), packet, nowMs);
}

std::optional<std::span<const uint8_t>> RtpHistory::Find(uint16_t sequence, uint64_t nowMs) const {
  if (!started_) return std::nullopt;
  const int64_t extended = Extend(sequence);
  if (extended > newest_ || newest_ - extended >= static_cast<int64_t>(slots_.size())) return std::nullopt;
  const size_t index = static_cast<size_t>(extended) & mask_;
  const Slot& slot = slots_[index];
  if (!slot.used || slot.extended != extended) return std::nullopt;
  if (maxAgeMs_ != 0 && nowMs > slot.storedAtMs && nowMs - slot.storedAtMs > maxAgeMs_) return std::nullopt;
  return std::span<const uint8_t>(storage_.data() + index * maxPacketSize_, slot.length);
}

void RtpHistory::Clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  started_ = false;
  newest_ = 0;
}

}  // namespace plenum::transport
