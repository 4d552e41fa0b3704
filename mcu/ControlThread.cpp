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

ControlThread::~ControlThread() {
  mixer::PostTo(context_.get(), [loop = loop_.get()] { g_main_loop_quit(loop); });
  thread_.join();
  // Drain what was posted after the quit so their closures are freed.
  while (g_main_context_iteration(context_.get(), FALSE)) {
  }
}

}  // namespace plenum::mcu
