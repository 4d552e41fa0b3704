// Rate-limits keyframe requests on the room's one shared video encoder.
//
// Every receiver's PLI/FIR ends up at the same encoder; without a limit a
// lossy receiver (or many joining at once) makes the whole room's stream
// nothing but keyframes. A request inside the window is remembered, not
// lost, and served when the window ends, so a participant who joins just
// after a keyframe still gets one promptly.
#pragma once

#include <chrono>
#include <mutex>

namespace plenum::mixer {

class KeyframeLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit KeyframeLimiter(std::chrono::milliseconds minInterval) : minInterval_(minInterval) {}

  // A receiver asked for a keyframe at `now`. True: forward it to the
  // encoder now. False: it is deferred (see TakeDeferred).
  bool Request(Clock::time_point now);
  // True once when a deferred request is due; the caller then issues one.
  bool TakeDeferred(Clock::time_point now);

 private:
  std::mutex mutex_;
  std::chrono::milliseconds minInterval_;
  Clock::time_point lastForwarded_{};
  bool hasForwarded_ = false;
  bool deferred_ = false;
};

}  // namespace plenum::mixer
