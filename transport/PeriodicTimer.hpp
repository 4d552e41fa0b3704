// A tick on a media worker's context at a fixed rate that does not drift:
// each deadline is the previous one plus the period (a GSource with an
// absolute ready time), not "period after the last dispatch" as
// g_timeout_add would, which loses a little every tick. When the worker
// was held up past several deadlines, the missed ticks run back to back
// (the audio buffers absorb that), up to a bound past which they are
// dropped and counted rather than replayed as a burst.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <functional>

namespace plenum::transport {

class PeriodicTimer {
 public:
  // Starts at once; the first tick is one period from now.
  PeriodicTimer(GMainContext* context, std::chrono::microseconds period, std::function<void()> onTick);
  // No tick after this.
  ~PeriodicTimer();

  PeriodicTimer(const PeriodicTimer&) = delete;
  PeriodicTimer& operator=(const PeriodicTimer&) = delete;

  struct Stats {
    uint64_t ticks = 0;
    uint64_t lateTicks = 0;     // run after their deadline had passed by more than a period
    uint64_t skippedTicks = 0;  // dropped after a long stall
    int64_t maxLatenessUs = 0;  // of a tick's start past its deadline
    int64_t lastLatenessUs = 0;  // of the tick running now (or the last one)
  };
  const Stats& GetStats() const { return stats_; }

 private:
  static gboolean Dispatch(GSource* source, GSourceFunc, gpointer self);

  std::chrono::microseconds period_;
  std::function<void()> onTick_;
  GSource* source_ = nullptr;  // owned: destroyed and unref'd in the destructor
  int64_t next_ = 0;           // monotonic µs of the next deadline
  Stats stats_;
};

}  // namespace plenum::transport
