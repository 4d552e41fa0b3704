#pragma once

#include "testclient/RgbFrame.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace plenum::test {

// Everything a client has decoded so far: a rolling window of audio, the last
// video frame and counters. Written from GStreamer streaming threads, read and
// waited on from test threads.
class ReceivedMedia {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr int kSampleRate = 48000;  // decoded audio is mono F32 at this rate

  struct Counters {
    std::uint64_t audioBuffers = 0;
    std::uint64_t audioSamples = 0;
    std::uint64_t videoFrames = 0;
    std::optional<Clock::time_point> firstAudio;
    std::optional<Clock::time_point> firstVideo;
  };

  explicit ReceivedMedia(std::chrono::milliseconds audioHistory = std::chrono::milliseconds(2000));

  ReceivedMedia(const ReceivedMedia&) = delete;
  ReceivedMedia& operator=(const ReceivedMedia&) = delete;

  // Producers (streaming threads).
  void PushAudio(const float* samples, std::size_t count);
  void PushVideoFrame(RgbFrame frame);

  // Consumers.
  Counters Snapshot() const;
  // The most recent `count` samples (fewer if not yet received), oldest first.
  std::vector<float> LastAudio(std::size_t count) const;
  std::optional<RgbFrame> LastVideoFrame() const;

  // Waits until predicate() holds, re-evaluating it each time media arrives.
  // The predicate runs without the lock, so it may call the getters above.
  // Returns the predicate's last value.
  bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) const;
  // Waits for `count` more samples / frames than had arrived at the call.
  bool WaitForMoreAudio(std::uint64_t samples, std::chrono::milliseconds timeout) const;
  bool WaitForMoreVideo(std::uint64_t frames, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t generation_ = 0;  // bumped on every push, to wake waiters

  std::vector<float> ring_;
  std::size_t ringNext_ = 0;  // where the next sample goes
  std::size_t ringFill_ = 0;
  std::optional<RgbFrame> lastFrame_;
  Counters counters_;
};

}  // namespace plenum::test
