// The service manager's end of sd_notify(3), for tests that play systemd:
// a datagram socket bound to a path of its own, whose path goes into the
// server's NOTIFY_SOCKET. Each datagram is one notification
// ("READY=1\nSTATUS=...").
#pragma once

#include "testclient/TemporaryDirectory.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace plenum::test {

class NotifySocket {
 public:
  // Throws std::system_error when the socket cannot be made.
  NotifySocket();
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& Path() const { return path_; }
  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);

 private:
  TemporaryDirectory directory_{"plenum-notify"};
  std::string path_;
  int fd_ = -1;
};

}  // namespace plenum::test
