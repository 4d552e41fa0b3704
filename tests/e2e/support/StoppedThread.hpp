#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace plenum::test {

// Holds one thread of a child process stopped, as a deadlock would, while
// the process's other threads run on: the way to make a real server thread
// stop answering without a hook in the server. Uses ptrace (PTRACE_SEIZE
// and PTRACE_INTERRUPT), which a parent may do to its children.
class StoppedThread {
 public:
  // Throws std::runtime_error when the thread cannot be stopped.
  explicit StoppedThread(pid_t tid);
  // Release(), bounded.
  ~StoppedThread();
  StoppedThread(const StoppedThread&) = delete;
  StoppedThread& operator=(const StoppedThread&) = delete;

  // Lets the thread run again. If its process has exited meanwhile, collects
  // the thread instead: a traced thread stays a zombie, and keeps its process
  // from being reported as exited, until its tracer waits for it. False if
  // neither happened within `timeout`.
  bool Release(std::chrono::milliseconds timeout);

  // Keeps the thread stopped until its process exits, then collects it.
  // False if the process has not exited within `timeout`.
  bool CollectOnExit(std::chrono::milliseconds timeout);

 private:
  pid_t tid_;
  bool attached_ = false;
};

}  // namespace plenum::test
