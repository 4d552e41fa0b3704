#include "transport/PeriodicTimer.hpp"

namespace plenum::transport {
namespace {

// Past this many missed deadlines the worker was stalled, not late: the
// ticks are skipped, so audio resumes at once instead of bursting.
constexpr int64_t kMaxCatchUpTicks = 5;

struct TimerSource {
  GSource source;
  PeriodicTimer* timer;
};

}  // namespace

PeriodicTimer::PeriodicTimer(GMainContext* context, std::chrono::microseconds period, std::function<void()> onTick)
    : period_(period), onTick_(std::move(onTick)) {
  static GSourceFuncs funcs = {nullptr, nullptr,
                               [](GSource* source, GSourceFunc callback, gpointer) -> gboolean {
                                 return Dispatch(source, callback, reinterpret_cast<TimerSource*>(source)->timer);
                               },
                               nullptr, nullptr, nullptr};
  source_ = g_source_new(&funcs, sizeof(TimerSource));
  reinterpret_cast<TimerSource*>(source_)->timer = this;
  g_source_set_priority(source_, G_PRIORITY_HIGH);  // ahead of packet I/O: a late tick is heard
  g_source_set_name(source_, "plenum-periodic-timer");
  next_ = g_get_monotonic_time() + period_.count();
  g_source_set_ready_time(source_, next_);
  g_source_attach(source_, context);
}

PeriodicTimer::~PeriodicTimer() {
  g_source_destroy(source_);
  g_source_unref(source_);
}

gboolean PeriodicTimer::Dispatch(GSource* source, GSourceFunc, gpointer self) {
  auto& timer = *static_cast<PeriodicTimer*>(self);
  const int64_t now = g_source_get_time(source);
  const int64_t period = timer.period_.count();
  const int64_t due = (now - timer.next_) / period + 1;  // deadlines passed, this one included
  if (due > kMaxCatchUpTicks) {
    timer.stats_.skippedTicks += static_cast<uint64_t>(due - 1);
    timer.next_ += (due - 1) * period;
  }
  while (timer.next_ <= now) {
    const int64_t lateness = now - timer.next_;
    if (lateness > timer.stats_.maxLatenessUs) timer.stats_.maxLatenessUs = lateness;
    timer.stats_.lastLatenessUs = lateness;
    if (lateness > period) ++timer.stats_.lateTicks;
    ++timer.stats_.ticks;
    timer.next_ += period;
    timer.onTick_();
  }
  g_source_set_ready_time(source, timer.next_);
  return G_SOURCE_CONTINUE;
}

}  // namespace plenum::transport
