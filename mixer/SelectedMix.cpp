#include "mixer/SelectedMix.hpp"

#include <algorithm>
#include <limits>

#include <algorithm>
#include <stdexcept>

namespace plenum::mixer {

int16_t SelectedMix::ClipToSample(int32_t value) {
  return static_cast<int16_t>(
      std::clamp<int32_t>(value, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()));
}

void SelectedMix::Mix(std::span<const std::span<const int16_t>> frames) {
  speakers_ = frames.size();
  // MinusOwn(i) hands out a span over minus_[i], so existing buffers are
  // never moved, only appended to.
  while (minus_.size() < speakers_) minus_.emplace_back(kFrameSamples);

  std::fill(sum_.begin(), sum_.end(), 0);
  for (const auto& frame : frames) {
    const size_t n = std::min(frame.size(), kFrameSamples);
    for (size_t i = 0; i < n; ++i) sum_[i] += frame[i];
  }
  for (size_t i = 0; i < kFrameSamples; ++i) full_[i] = ClipToSample(sum_[i]);

  for (size_t s = 0; s < speakers_; ++s) {
    const auto& own = frames[s];
    auto& out = minus_[s];
    const size_t n = std::min(own.size(), kFrameSamples);
    for (size_t i = 0; i < n; ++i) out[i] = ClipToSample(sum_[i] - own[i]);
    for (size_t i = n; i < kFrameSamples; ++i) out[i] = ClipToSample(sum_[i]);
  }
}

std::span<const int16_t> SelectedMix::MinusOwn(size_t speaker) const {
  if (speaker >= speakers_) throw std::out_of_range("SelectedMix::MinusOwn: no such speaker this tick");
  return minus_[speaker];
}

}  // namespace plenum::mixer
