// The one thread that owns rooms and pipeline topology: a GLib main loop
// on a context of its own. Other threads hand it work with Post() (fire
// and forget) or Call() (wait for the result, bounded by a timeout).
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>

#include "mcu/ControlTimeout.hpp"
#include "mixer/ControlContext.hpp"
#include "mixer/GRef.hpp"

namespace plenum::mcu {

class ControlThread;

// Runs `task` on the control thread every `interval` until destroyed.
// Destroy it on the control thread (or after the loop has stopped), so a
// run cannot be under way meanwhile.
class ControlTimer {
 public:
  ControlTimer(ControlThread& control, std::chrono::milliseconds interval, std::function<void()> task);
  ~ControlTimer();
  ControlTimer(const ControlTimer&) = delete;
  ControlTimer& operator=(const ControlTimer&) = delete;

 private:
  std::function<void()> task_;
  mixer::GRef<GSource> source_;
};

class ControlThread {
 public:
  ControlThread();
  ~ControlThread();
  ControlThread(const ControlThread&) = delete;
  ControlThread& operator=(const ControlThread&) = delete;

  GMainContext* context() const { return context_.get(); }
  bool IsCurrent() const { return std::this_thread::get_id() == thread_.get_id(); }

  void Post(std::function<void()> task) { mixer::PostTo(context_.get(), std::move(task)); }

  // Runs `task` on the control thread and returns its result (or rethrows
  // its exception). Throws ControlTimeout if it has not run in `timeout`.
  template <typename Result>
  Result Call(std::function<Result()> task, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto promise = std::make_shared<std::promise<Result>>();
    std::future<Result> future = promise->get_future();
    Post([promise, task = std::move(task)] {
      try {
        if constexpr (std::is_void_v<Result>) {
          task();
          promise->set_value();
        } else {
          promise->set_value(task());
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (future.wait_for(timeout) != std::future_status::ready) throw ControlTimeout();
    return future.get();
  }

 private:
  mixer::GRef<GMainContext> context_;
  mixer::GRef<GMainLoop> loop_;
  std::thread thread_;
};

}  // namespace plenum::mcu
