#include "mixer/SampleFifo.hpp"

#include <algorithm>

namespace plenum::mixer {

SampleFifo::SampleFifo(size_t frameSamples)
    : frameSamples_(frameSamples), ring_(frameSamples * (kMaxFrames + 1)) {}

void SampleFifo::Push(std::span<const int16_t> samples) {
  // A single push larger than the ring keeps only its newest part.
  if (samples.size() > ring_.size()) {
    dropped_ += samples.size() - ring_.size();
    samples = samples.subspan(samples.size() - ring_.size());
  }
  const size_t capacity = frameSamples_ * kMaxFrames;
  if (size_ + samples.size() > capacity) {
    // Over the cap: fall back to one frame of backlog after this push.
    const size_t keep = frameSamples_ > samples.size() ? frameSamples_ - samples.size() : 0;
    DropOldest(size_ - std::min(size_, keep));
  }
  for (int16_t s : samples) {
    ring_[(head_ + size_) % ring_.size()] = s;
    ++size_;
  }
}

bool SampleFifo::PopFrame(std::span<int16_t> out) {
  if (size_ < frameSamples_ || out.size() < frameSamples_) return false;
  for (size_t i = 0; i < frameSamples_; ++i) out[i] = ring_[(head_ + i) % ring_.size()];
  head_ = (head_ + frameSamples_) % ring_.size();
  size_ -= frameSamples_;
  return true;
}

void SampleFifo::DropOldest(size_t count) {
  count = std::min(count, size_);
  head_ = (head_ + count) % ring_.size();
  size_ -= count;
  dropped_ += count;
}

}  // namespace plenum::mixer
