#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace plenum::test {

// A child process whose stdout and stderr are drained continuously (so it
// never blocks on a full pipe) into a bounded log. Its exit is observed
// through a pidfd, so every wait is an event wait with a timeout.
//
// The child is killed if the thread that started it exits (PR_SET_PDEATHSIG):
// a test run that crashes leaves no server behind. Start it from a thread that
// outlives the object, typically the test's main thread.
class ChildProcess {
 public:
  struct Exit {
    int waitStatus = 0;   // as from waitpid()
    bool killed = false;  // it ignored SIGTERM and got SIGKILL
  };

  // Runs `path` with `args` (not including argv[0]) in this process's
  // environment plus `extraEnvironment` ("NAME=VALUE", overriding); stdin is
  // /dev/null. Throws std::system_error when the process cannot be created.
  // A program that cannot be executed exits with status 127 and says so on
  // stderr.
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::vector<std::string>& extraEnvironment = {});
  // Terminate() with the default grace if still running.
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t Pid() const { return pid_; }
  bool Running() const;

  // Waits for a stdout line (old or new) that `match` accepts. nullopt on
  // timeout or when the process has exited without printing one.
  std::optional<std::string> WaitForLine(const std::function<bool(const std::string&)>& match,
                                         std::chrono::milliseconds timeout) const;
  // Waits for the process to exit; its status, or nullopt on timeout.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) const;

  // SIGTERM, then SIGKILL if it has not exited within `grace`.
  Exit Terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // The last `bytes` of stdout and stderr, interleaved as they arrived.
  std::string OutputTail(std::size_t bytes = 4096) const;

  // "exited with status 0", "killed by signal 11 (Segmentation fault)".
  static std::string DescribeWaitStatus(int waitStatus);

 private:
  void Drain();
  void Append(bool fromStdout, const char* data, std::size_t length);
  void Signal(int signal) const;

  // Owned.
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdout_ = -1;  // read ends, used by the drainer thread only
  int stderr_ = -1;
  std::thread drainer_;
  std::optional<Exit> exit_;  // set once by Terminate()

  // Others.
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string log_;                // bounded, see kLogLimit
  std::deque<std::string> lines_;  // complete stdout lines, bounded
  std::string partialLine_;        // stdout since the last newline
  std::optional<int> waitStatus_;  // set when reaped
  bool drained_ = false;           // the drainer has finished
};

}  // namespace plenum::test
