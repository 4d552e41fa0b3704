// A bounded FIFO of audio samples that absorbs network jitter between a
// participant's decoder and the room's mixing tick.
//
// It keeps latency bounded: when the sender's clock runs faster than ours
// or a burst arrives, the backlog is trimmed back to one frame rather than
// growing without limit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace plenum::mixer {

class SampleFifo {
 public:
  // `frameSamples`: the unit the mixer pops. The backlog is capped at
  // kMaxFrames frames; past that it drops the oldest samples down to one frame.
  static constexpr size_t kMaxFrames = 4;

  explicit SampleFifo(size_t frameSamples);

  void Push(std::span<const int16_t> samples);
  // Pops exactly one frame into `out`; false (and nothing popped) when less
  // than a frame is buffered.
  bool PopFrame(std::span<int16_t> out);

  size_t Size() const { return size_; }
  uint64_t DroppedSamples() const { return dropped_; }

 private:
  void DropOldest(size_t count);

  size_t frameSamples_;
  std::vector<int16_t> ring_;
  size_t head_ = 0;  // index of the oldest sample
  size_t size_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace plenum::mixer
