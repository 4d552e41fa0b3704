#include "support/StoppedThread.hpp"

#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace plenum::test {
namespace {

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

StoppedThread::StoppedThread(pid_t tid) : tid_(tid) {
  if (ptrace(PTRACE_SEIZE, tid_, nullptr, nullptr) != 0) throw std::runtime_error(Errno("PTRACE_SEIZE"));
  attached_ = true;
  if (ptrace(PTRACE_INTERRUPT, tid_, nullptr, nullptr) != 0) {
    const std::string error = Errno("PTRACE_INTERRUPT");
    Release(std::chrono::seconds(1));
    throw std::runtime_error(error);
  }
  // The stop is reported within moments; bounded all the same.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  pid_t reported = 0;
  while ((reported = waitpid(tid_, &status, __WALL | WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (reported != tid_ || !WIFSTOPPED(status)) {
    const std::string error = reported == 0 ? std::string("the thread did not stop within 5 s")
                                            : Errno("waitpid for the interrupted thread");
    Release(std::chrono::seconds(1));
    throw std::runtime_error(error);
  }
}

StoppedThread::~StoppedThread() { Release(std::chrono::seconds(5)); }

bool StoppedThread::Release(std::chrono::milliseconds timeout) {
  if (!attached_) return true;
  if (ptrace(PTRACE_DETACH, tid_, nullptr, nullptr) == 0) {
    attached_ = false;
    return true;
  }
  // ESRCH: the thread is not in a ptrace stop any more, because its process
  // is exiting (a group exit wakes it with SIGKILL); wait for it to die.
  return CollectOnExit(timeout);
}

bool StoppedThread::CollectOnExit(std::chrono::milliseconds timeout) {
  if (!attached_) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t reaped = waitpid(tid_, &status, __WALL | WNOHANG);
    if ((reaped == tid_ && (WIFEXITED(status) || WIFSIGNALED(status))) || (reaped < 0 && errno == ECHILD)) {
      attached_ = false;  // gone (or already collected)
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace plenum::test
