// A bounded FIFO of audio samples that absorbs network jitter between a
// participant's decoder and the room's mixing tick.
//
// Decoded audio arrives in bursts (scheduling, network), so the FIFO
// starts playing only once it holds kPrimeFrames, and after running dry it
// waits to hold that much again instead of stuttering frame by frame. It
// keeps latency bounded: past kMaxFrames (a sender clock faster than ours,
// or a long burst) the oldest samples are dropped back to kPrimeFrames.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace plenum::mixer {

class SampleFifo {
 public:
  // `frameSamples`: the unit the mixer pops.
  static constexpr size_t kPrimeFrames = 2;
  static constexpr size_t kMaxFrames = 8;

  explicit SampleFifo(size_t frameSamples);

  void Push(std::span<const int16_t> samples);
  // Pops exactly one frame into `out`; false (and nothing popped) while
  // priming or when less than a frame is buffered.
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
  bool primed_ = false;
};

}  // namespace plenum::mixer
