// The mix arithmetic of the selective audio engine, with no GStreamer in it.
//
// Only the few selected speakers are decoded, so only they are mixed: each
// of them hears the others (the sum minus their own frame) and everyone
// else hears one full mix, encoded once for all of them. Sums are kept in
// 32 bits and clipped once, after the subtraction, so a
// speaker whose own loud voice pushed the sum past full scale still hears
// the others undistorted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace plenum::mixer {

class SelectedMix {
 public:
  static constexpr size_t kFrameSamples = 960;  // 20 ms, 48 kHz mono

  // Mixes one tick. `frames[i]` is selected speaker i's decoded frame; an
  // empty one (nothing decoded this tick) is silence, a short one is padded
  // with silence and samples past kFrameSamples are ignored, so a decoder's
  // odd frame never makes a tick fail. Buffers are kept across ticks: with
  // no more speakers than before, nothing is allocated.
  void Mix(std::span<const std::span<const int16_t>> frames);

  // What every listener who is not selected hears.
  std::span<const int16_t> FullMix() const { return full_; }
  // What selected speaker `speaker` (its index in the last Mix) hears;
  // std::out_of_range past the last Mix's speakers, whose buffers from an
  // earlier tick are still there but stale.
  std::span<const int16_t> MinusOwn(size_t speaker) const;
  size_t SpeakerCount() const { return speakers_; }

  // A 32-bit sum at 16 bits, saturated.
  static int16_t ClipToSample(int32_t value);

 private:
  std::vector<int32_t> sum_ = std::vector<int32_t>(kFrameSamples);
  std::vector<int16_t> full_ = std::vector<int16_t>(kFrameSamples);
  // Grows to the most speakers ever mixed and never shrinks, so selection
  // changes cost no allocation once the room has had K speakers.
  std::vector<std::vector<int16_t>> minus_;
  size_t speakers_ = 0;
};

}  // namespace plenum::mixer
