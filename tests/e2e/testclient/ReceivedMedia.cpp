#include "testclient/ReceivedMedia.hpp"
#include "testclient/TimeoutScale.hpp"

#include <algorithm>

namespace plenum::test {

ReceivedMedia::ReceivedMedia(std::chrono::milliseconds audioHistory)
    : ring_(std::max<std::size_t>(1, static_cast<std::size_t>(audioHistory.count()) * kSampleRate / 1000)) {}

void ReceivedMedia::PushAudio(const float* samples, std::size_t count) {
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) {
      ring_[ringNext_] = samples[i];
      ringNext_ = (ringNext_ + 1) % ring_.size();
    }
    ringFill_ = std::min(ring_.size(), ringFill_ + count);
    counters_.audioBuffers++;
    counters_.audioSamples += count;
    if (!counters_.firstAudio) counters_.firstAudio = Clock::now();
    generation_++;
  }
  changed_.notify_all();
}

void ReceivedMedia::PushVideoFrame(RgbFrame frame) {
  {
    std::lock_guard lock(mutex_);
    lastFrame_ = std::move(frame);
    counters_.videoFrames++;
    if (!counters_.firstVideo) counters_.firstVideo = Clock::now();
    generation_++;
  }
  changed_.notify_all();
}

ReceivedMedia::Counters ReceivedMedia::Snapshot() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<float> ReceivedMedia::LastAudio(std::size_t count) const {
  std::lock_guard lock(mutex_);
  const std::size_t n = std::min(count, ringFill_);
  std::vector<float> out(n);
  std::size_t index = (ringNext_ + ring_.size() - n) % ring_.size();
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = ring_[index];
    index = (index + 1) % ring_.size();
  }
  return out;
}

std::optional<RgbFrame> ReceivedMedia::LastVideoFrame() const {
  std::lock_guard lock(mutex_);
  return lastFrame_;
}

bool ReceivedMedia::WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + Scaled(timeout);
  for (;;) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    if (predicate()) return true;
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, deadline, [&] { return generation_ != seen; })) {
      lock.unlock();
      return predicate();
    }
  }
}

bool ReceivedMedia::WaitForMoreAudio(std::uint64_t samples, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = counters_.audioSamples + samples;
  return changed_.wait_for(lock, Scaled(timeout), [&] { return counters_.audioSamples >= target; });
}

bool ReceivedMedia::WaitForMoreVideo(std::uint64_t frames, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = counters_.videoFrames + frames;
  return changed_.wait_for(lock, Scaled(timeout), [&] { return counters_.videoFrames >= target; });
}

}  // namespace plenum::test
