#include "mixer/SampleFifo.hpp"

#include <algorithm>

namespace plenum::mixer {

SampleFifo::SampleFifo(size_t frameSamples) : frameSamples_(frameSamples), ring_(frameSamples * kMaxFrames) {}

void SampleFifo::Push(std::span<const int16_t> samples, uint64_t endTime) {
  endTime_ = endTime;
  const size_t capacity = frameSamples_ * kMaxFrames;
  // A single push larger than the cap keeps only its newest part.
  if (samples.size() > capacity) {
    dropped_ += samples.size() - capacity;
    samples = samples.subspan(samples.size() - capacity);
  }
  if (size_ + samples.size() > capacity) {
    // Over the cap: fall back to the priming backlog after this push.
    const size_t target = frameSamples_ * kPrimeFrames;
    const size_t keep = target > samples.size() ? target - samples.size() : 0;
    DropOldest(size_ - std::min(size_, keep));
  }
  for (int16_t s : samples) {
    ring_[(head_ + size_) % ring_.size()] = s;
    ++size_;
  }
}

bool SampleFifo::PopFrame(std::span<int16_t> out) {
  if (!primed_ && size_ >= frameSamples_ * kPrimeFrames) primed_ = true;
  if (!primed_ || size_ < frameSamples_ || out.size() < frameSamples_) {
    primed_ = false;
    return false;
  }
  for (size_t i = 0; i < frameSamples_; ++i) out[i] = ring_[(head_ + i) % ring_.size()];
  head_ = (head_ + frameSamples_) % ring_.size();
  size_ -= frameSamples_;
  return true;
}

uint64_t SampleFifo::HeadTime(int sampleRate) const {
  const uint64_t held = size_ * uint64_t{1'000'000'000} / static_cast<uint64_t>(sampleRate);
  return endTime_ == kUnknownTime || endTime_ < held ? kUnknownTime : endTime_ - held;
}

void SampleFifo::DropOldest(size_t count) {
  count = std::min(count, size_);
  head_ = (head_ + count) % ring_.size();
  size_ -= count;
  dropped_ += count;
}

}  // namespace plenum::mixer
