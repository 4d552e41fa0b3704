#include "transport/MediaWorker.hpp"

#include "common/MainContextTasks.hpp"

#include <pthread.h>

#include <condition_variable>
#include <mutex>

namespace plenum::transport {

MediaWorker::MediaWorker(std::string name)
    : name_(std::move(name)),
      context_(g_main_context_new(), &g_main_context_unref),
      loop_(g_main_loop_new(context_.get(), FALSE), &g_main_loop_unref) {
  // The thread must be running its loop before anyone waits on Invoke();
  // g_main_loop_run makes the context ours, and posted tasks queue until then.
  thread_ = std::thread([this] { Run(); });
}

MediaWorker::~MediaWorker() {
  // g_main_loop_quit from another thread is safe and wakes the context.
  Post([this] { g_main_loop_quit(loop_.get()); });
  if (thread_.joinable()) thread_.join();
  // Tasks posted after the quit are still attached; they must not run here,
  // off the worker. The context's last unref (after the loop's, in member
  // order) destroys its sources, which frees the closures (common::PostTo).
}

void MediaWorker::Post(std::function<void()> task) {
  // Always deferred (an idle source), even from the worker itself.
  common::PostTo(context_.get(), std::move(task));
}

void MediaWorker::Invoke(const std::function<void()>& task) {
  if (IsCurrentThread()) {
    task();
    return;
  }
  std::mutex mutex;
  std::condition_variable done;
  bool ran = false;
  Post([&] {
    task();
    std::lock_guard lock(mutex);
    ran = true;
    done.notify_one();
  });
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return ran; });
}

void MediaWorker::Run() {
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  g_main_context_push_thread_default(context_.get());
  g_main_loop_run(loop_.get());
  g_main_context_pop_thread_default(context_.get());
}

}  // namespace plenum::transport
