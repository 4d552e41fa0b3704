#include "mcu/ControlWatchdog.hpp"

#include <pthread.h>

#include <algorithm>

#include "mcu/ControlThread.hpp"
#include "mcu/Log.hpp"
#include "mcu/ThreadStates.hpp"

namespace plenum::mcu {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Often enough to notice a stall within a fraction of the limit; a
// heartbeat costs one idle source on the control thread.
milliseconds CheckInterval(milliseconds stallLimit) {
  return std::clamp(stallLimit / 4, milliseconds(50), milliseconds(1000));
}

}  // namespace

ControlWatchdog::ControlWatchdog(ControlThread& control, milliseconds stallLimit)
    : control_(control), stallLimit_(stallLimit), thread_([this] { Run(); }) {}

ControlWatchdog::~ControlWatchdog() {
  {
    std::lock_guard<std::mutex> lock(stopMutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  thread_.join();
}

milliseconds ControlWatchdog::Waiting() const {
  std::lock_guard<std::mutex> lock(beat_->mutex);
  if (!beat_->pending) return milliseconds(0);
  return duration_cast<milliseconds>(Clock::now() - beat_->postedAt);
}

milliseconds ControlWatchdog::Stalled() const {
  const milliseconds waited = Waiting();
  return waited > stallLimit_ ? waited : milliseconds(0);
}

void ControlWatchdog::Run() {
  pthread_setname_np(pthread_self(), "plenum-watchdog");
  const milliseconds interval = CheckInterval(stallLimit_);
  bool reported = false;
  std::unique_lock<std::mutex> stopLock(stopMutex_);
  while (!stopSignal_.wait_for(stopLock, interval, [this] { return stopping_; })) {
    bool post = false;
    {
      std::lock_guard<std::mutex> lock(beat_->mutex);
      if (!beat_->pending) {
        beat_->pending = true;
        beat_->postedAt = Clock::now();
        post = true;
      }
    }
    if (post) {
      if (reported) {
        PLENUM_LOG_WARNING("control thread answers again");
        reported = false;
      }
      control_.Post([beat = beat_] {
        std::lock_guard<std::mutex> lock(beat->mutex);
        beat->pending = false;
      });
      continue;
    }
    const milliseconds stalled = Stalled();
    if (stalled.count() > 0 && !reported) {
      PLENUM_LOG_ERROR("control thread has not answered for %lld ms; /healthz now fails; threads:\n%s",
                       static_cast<long long>(stalled.count()), DescribeThreads().c_str());
      reported = true;
    }
  }
}

}  // namespace plenum::mcu
