#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

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

// The server releases what a client held asynchronously, and nothing
// outside it signals when that is done: samples /proc until threads and
// file descriptors are back within the slack of `baseline`, or `timeout`
// (scaled with the machine's load) is up; returns the last sample.
ProcessUsage SettledUsage(pid_t pid, const ProcessUsage& baseline, long threadSlack, long fdSlack,
                          std::chrono::milliseconds timeout);

// The id of the process's thread called `name` (its comm), or -1.
pid_t ThreadNamed(pid_t pid, const std::string& name);

// What the process's file descriptors are, counted by kind ("socket: 12,
// pipe: 4, anon_inode:[eventfd]: 9"), for failure messages.
std::string DescribeFds(pid_t pid);

// Each TCP and UDP socket the process holds: addresses, state (hex, as
// /proc/net/tcp shows it: 01 established, 08 close-wait, 0A listen) and
// queues, a line each, for failure messages.
std::string DescribeSockets(pid_t pid);

// The local addresses ("127.0.0.1:40123", "[::]:1900") of the UDP sockets
// the process holds, from its file descriptors and /proc/PID/net/udp{,6}.
std::vector<std::string> UdpSocketsOf(pid_t pid);

}  // namespace plenum::test
