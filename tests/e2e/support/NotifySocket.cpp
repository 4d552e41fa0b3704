#include "support/NotifySocket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace plenum::test {

NotifySocket::NotifySocket() : path_(directory_.Path() + "/notify") {
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket(AF_UNIX, SOCK_DGRAM)");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof address.sun_path) {
    close(fd_);
    throw std::system_error(ENAMETOOLONG, std::generic_category(), path_);
  }
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    close(fd_);
    throw std::system_error(error, std::generic_category(), "bind " + path_);
  }
}

NotifySocket::~NotifySocket() {
  close(fd_);
  unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::Receive(std::chrono::milliseconds timeout) {
  pollfd ready{fd_, POLLIN, 0};
  const int polled = poll(&ready, 1, static_cast<int>(timeout.count()));
  if (polled <= 0) return std::nullopt;
  char buffer[4096];
  const ssize_t received = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
  if (received < 0) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(received));
}

}  // namespace plenum::test
