// One media thread: a GLib main loop on a context of its own. A fixed set
// of these runs every room's transports (ICE agents, DTLS, SRTP, the audio
// tick, the fan-out); each room lives on exactly one worker, so nothing on
// a room's packet path needs a lock. Model: Janus's shared GMainContext
// for its libnice agents, mediasoup's one-worker-one-loop.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace plenum::transport {

class MediaWorker {
 public:
  // Starts the thread (named `name`, at most 15 characters are kept).
  explicit MediaWorker(std::string name);
  // Quits the loop and joins the thread. Tasks posted and not yet run are
  // dropped, not run: their closures are destroyed on this thread.
  ~MediaWorker();

  MediaWorker(const MediaWorker&) = delete;
  MediaWorker& operator=(const MediaWorker&) = delete;

  // The context everything of this worker attaches its sources to.
  GMainContext* Context() const { return context_.get(); }
  const std::string& Name() const { return name_; }

  // Runs `task` on the worker thread, soon; safe from any thread.
  void Post(std::function<void()> task);
  // Runs `task` on the worker thread and returns when it has run. Not from
  // the worker itself (that would wait for itself): there it runs at once.
  void Invoke(const std::function<void()>& task);
  bool IsCurrentThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void Run();

  // Owned.
  std::string name_;
  std::unique_ptr<GMainContext, decltype(&g_main_context_unref)> context_;
  std::unique_ptr<GMainLoop, decltype(&g_main_loop_unref)> loop_;
  std::thread thread_;
};

}  // namespace plenum::transport
