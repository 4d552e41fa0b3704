// A one-shot timer on a GMainContext for DTLS retransmissions: one GSource
// for the transport's lifetime, re-armed through its ready time instead of
// a new timeout source per flight.
#pragma once

#include <glib.h>

#include <chrono>
#include <memory>

namespace plenum::transport {

class DtlsTimer {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // May destroy the timer.
    virtual void OnDtlsTimerExpired() = 0;
  };

  DtlsTimer(Listener& listener, GMainContext* context)
      : listener_(listener), source_(g_source_new(&kFuncs, sizeof(GSource))) {
    g_source_set_callback(source_.get(), &DtlsTimer::Expired, this, nullptr);
    g_source_set_name(source_.get(), "plenum-dtls-timer");
    g_source_attach(source_.get(), context);
  }

  DtlsTimer(const DtlsTimer&) = delete;
  DtlsTimer& operator=(const DtlsTimer&) = delete;

  void Arm(std::chrono::microseconds delay) {
    g_source_set_ready_time(source_.get(), g_get_monotonic_time() + delay.count());
  }
  void Disarm() { g_source_set_ready_time(source_.get(), -1); }
  bool Armed() const { return g_source_get_ready_time(source_.get()) >= 0; }

 private:
  // Destroyed, not only unreferenced: the context holds its own reference,
  // and a source left attached would call back into a dead listener.
  struct SourceDestroy {
    void operator()(GSource* source) const {
      g_source_destroy(source);
      g_source_unref(source);
    }
  };

  // A ready time stays set after dispatch; clearing it first makes the
  // timer one-shot and lets the listener arm it again.
  static gboolean Dispatch(GSource* source, GSourceFunc callback, gpointer data) {
    g_source_set_ready_time(source, -1);
    return callback(data);
  }

  static gboolean Expired(gpointer data) {
    static_cast<DtlsTimer*>(data)->listener_.OnDtlsTimerExpired();
    return G_SOURCE_CONTINUE;
  }

  static inline GSourceFuncs kFuncs = {nullptr, nullptr, &DtlsTimer::Dispatch, nullptr, nullptr, nullptr};

  // Passed by argument.
  Listener& listener_;

  // Owned.
  std::unique_ptr<GSource, SourceDestroy> source_;
};

}  // namespace plenum::transport
