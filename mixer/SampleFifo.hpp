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

  static constexpr uint64_t kUnknownTime = UINT64_MAX;

  explicit SampleFifo(size_t frameSamples);

  // `endTime`: when the last of `samples` ends on the room's clock (ns of
  // running time), if known.
  void Push(std::span<const int16_t> samples, uint64_t endTime = kUnknownTime);
  // Pops exactly one frame into `out`; false (and nothing popped) while
  // priming or when less than a frame is buffered.
  bool PopFrame(std::span<int16_t> out);

  size_t Size() const { return size_; }
  // When the oldest sample held (the next one popped) was due on the room's
  // clock, from the last push's end time; kUnknownTime without one.
  uint64_t HeadTime(int sampleRate) const;
  uint64_t DroppedSamples() const { return dropped_; }

 private:
  void DropOldest(size_t count);

  size_t frameSamples_;
  std::vector<int16_t> ring_;
  size_t head_ = 0;  // index of the oldest sample
  size_t size_ = 0;
  uint64_t dropped_ = 0;
  bool primed_ = false;
  uint64_t endTime_ = kUnknownTime;
};

}  // namespace plenum::mixer
