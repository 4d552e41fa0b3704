#include "mcu/ControlThread.hpp"

#include <pthread.h>

namespace plenum::mcu {

ControlThread::ControlThread()
    : context_(mixer::GRef<GMainContext>::Adopt(g_main_context_new())),
      loop_(mixer::GRef<GMainLoop>::Adopt(g_main_loop_new(context_.get(), FALSE))) {
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] {
    pthread_setname_np(pthread_self(), "plenum-control");  // named in watchdog reports and by tests
    g_main_context_push_thread_default(context_.get());
    // Signal readiness from inside the loop, so Post() never races the start.
    mixer::PostTo(context_.get(), [&started] { started.set_value(); });
    g_main_loop_run(loop_.get());
    g_main_context_pop_thread_default(context_.get());
  });
  ready.wait();
}

ControlTimer::ControlTimer(ControlThread& control, std::chrono::milliseconds interval, std::function<void()> task)
    : task_(std::move(task)),
      source_(mixer::GRef<GSource>::Adopt(g_timeout_source_new(static_cast<guint>(interval.count())))) {
  g_source_set_callback(
      source_.get(),
      +[](gpointer self) -> gboolean {
        static_cast<ControlTimer*>(self)->task_();
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  g_source_attach(source_.get(), control.context());
}

ControlTimer::~ControlTimer() { g_source_destroy(source_.get()); }

ControlThread::~ControlThread() {
  mixer::PostTo(context_.get(), [loop = loop_.get()] { g_main_loop_quit(loop); });
  thread_.join();
  // Drain what was posted after the quit so their closures are freed.
  while (g_main_context_iteration(context_.get(), FALSE)) {
  }
}

}  // namespace plenum::mcu
