#include "mixer/KeyframeLimiter.hpp"

namespace plenum::mixer {

bool KeyframeLimiter::Request(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!hasForwarded_ || now - lastForwarded_ >= minInterval_) {
    hasForwarded_ = true;
    lastForwarded_ = now;
    deferred_ = false;
    return true;
  }
  deferred_ = true;
  return false;
}

bool KeyframeLimiter::TakeDeferred(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!deferred_ || now - lastForwarded_ < minInterval_) return false;
  deferred_ = false;
  return true;
}

}  // namespace plenum::mixer
