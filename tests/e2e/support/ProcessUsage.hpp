#pragma once

#include <sys/types.h>

#include <string>

namespace plenum::test {

// What a process holds, from /proc/PID.
struct ProcessUsage {
  long threads = 0;
  long fds = 0;
  long rssKiB = 0;

  std::string Describe() const;
};

// Throws std::runtime_error if the process is gone.
ProcessUsage ReadProcessUsage(pid_t pid);

}  // namespace plenum::test
