#include "mixer/AudioPacketBuffer.hpp"

#include <algorithm>
#include <limits>

namespace plenum::mixer {
namespace {

// A sequence number this far from the newest is a new stream (the sender
// restarted), not a late or early packet of this one.
constexpr int64_t kRestartDistance = 1000;
// The first packet's number is placed here, so that extended numbers of
// packets reordered around it stay positive.
constexpr int64_t kFirstBase = int64_t(1) << 32;
constexpr int64_t kNone = std::numeric_limits<int64_t>::min() / 2;

}  // namespace

AudioPacketBuffer::AudioPacketBuffer(size_t targetDepth, size_t maxDepth, size_t idleTicks)
    : targetDepth_(std::max<size_t>(1, targetDepth)),
      maxDepth_(std::clamp<size_t>(maxDepth, targetDepth_, kSlots - 2)),
      idleTicks_(std::max<size_t>(1, idleTicks)) {
  Reset();
}

void AudioPacketBuffer::Reset() {
  for (Packet& packet : ring_) packet.sequence = -1;
  started_ = false;
  playing_ = false;
  highest_ = kNone;
  lowest_ = kNone;
  next_ = kNone;
  idle_ = 0;
}

int64_t AudioPacketBuffer::Extend(uint16_t sequence) const {
  if (highest_ == kNone) return kFirstBase + sequence;
  const auto delta = static_cast<int16_t>(static_cast<uint16_t>(sequence - static_cast<uint16_t>(highest_)));
  return highest_ + delta;
}

bool AudioPacketBuffer::Push(uint16_t sequence, uint32_t timestamp, std::optional<uint8_t> level,
                             std::span<const uint8_t> payload) {
  int64_t extended = Extend(sequence);
  if (highest_ != kNone && (extended > highest_ + kRestartDistance || extended < highest_ - kRestartDistance)) {
    Reset();
    extended = Extend(sequence);
  }
  if (next_ != kNone && extended < next_) {
    ++stats_.late;
    return false;
  }
  Packet& slot = SlotFor(extended);
  if (slot.sequence == extended) {
    ++stats_.duplicates;
    return false;
  }
  slot.sequence = extended;
  slot.timestamp = timestamp;
  slot.level = level;
  slot.payload.assign(payload.begin(), payload.end());  // reuses the slot's capacity

  highest_ = std::max(highest_, extended);
  if (!playing_ && (!started_ || extended < lowest_)) lowest_ = extended;
  started_ = true;
  arrived_ = true;
  ++stats_.received;
  return true;
}

const AudioPacketBuffer::Packet* AudioPacketBuffer::Find(int64_t sequence) const {
  const Packet& slot = ring_[static_cast<size_t>(sequence) % kSlots];
  return slot.sequence == sequence ? &slot : nullptr;
}

AudioPacketBuffer::Slot AudioPacketBuffer::Pop() {
  idle_ = arrived_ ? 0 : idle_ + 1;
  arrived_ = false;

  if (playing_ && idle_ >= idleTicks_ && highest_ < next_) {
    // Drained and quiet for a while: buffer afresh when the talker resumes,
    // rather than play the resumption with the depth it had run down to.
    playing_ = false;
    started_ = false;
  }
  if (!playing_) {
    if (!started_ || highest_ - lowest_ + 1 < static_cast<int64_t>(targetDepth_)) return Slot{};
    playing_ = true;
    next_ = lowest_;
  }
  const int64_t due = next_;
  if (highest_ - next_ + 1 > static_cast<int64_t>(maxDepth_)) {
    const int64_t keepFrom = highest_ - static_cast<int64_t>(targetDepth_) + 1;
    stats_.skipped += static_cast<uint64_t>(keepFrom - next_);
    next_ = keepFrom;
  }
  ShrinkIfLastingExcess();
  Slot slot;
  slot.playing = true;
  slot.packet = Find(next_);
  slot.next = Find(next_ + 1);
  if (next_ != due) slot.skipped = Find(next_ - 1);
  if (!slot.packet) ++stats_.missing;
  ++next_;
  return slot;
}

void AudioPacketBuffer::ShrinkIfLastingExcess() {
  const int64_t depth = highest_ - next_ + 1;
  windowMinDepth_ = windowTicks_ == 0 ? depth : std::min(windowMinDepth_, depth);
  if (++windowTicks_ >= kShrinkWindowTicks) {
    if (windowMinDepth_ > static_cast<int64_t>(targetDepth_)) shrinkWanted_ = true;
    windowTicks_ = 0;
  }
  if (!shrinkWanted_ || depth <= static_cast<int64_t>(targetDepth_)) {
    shrinkWanted_ = false;
    shrinkWaited_ = 0;
    return;
  }
  // A packet skipped in a pause is not heard; one skipped mid-word is a
  // small click, so wait a while for a quiet one.
  const Packet* packet = Find(next_);
  const bool quiet = !packet || !packet->level || *packet->level >= kQuietLevel;
  if (!quiet && ++shrinkWaited_ < kShrinkPatienceTicks) return;
  ++next_;
  ++stats_.skipped;
  ++stats_.shrunk;
  shrinkWanted_ = false;
  shrinkWaited_ = 0;
}

size_t AudioPacketBuffer::RecentlyPlayed(size_t count, std::vector<const Packet*>& out) const {
  out.clear();
  if (next_ == kNone) return 0;
  count = std::min(count, kSlots - maxDepth_ - 1);  // never reach slots that newer packets may own
  for (int64_t sequence = next_ - 1 - static_cast<int64_t>(count); sequence < next_ - 1; ++sequence)
    if (const Packet* packet = Find(sequence)) out.push_back(packet);
  return out.size();
}

}  // namespace plenum::mixer
