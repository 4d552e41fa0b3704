#include "support/RawConnection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testclient/TimeoutScale.hpp"

namespace plenum::test {

RawConnection::RawConnection(const std::string& source, const std::string& host, std::uint16_t port)
    : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &to.sin_addr);
  connected_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
               connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Held() const {
  pollfd p{fd_, POLLIN, 0};
  return connected_ && poll(&p, 1, 0) == 0;
}

bool RawConnection::Send(const std::string& bytes) const {
  return connected_ && send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string RawConnection::Get(const std::string& path) const {
  if (!Send("GET " + path + " HTTP/1.1\r\nHost: plenum\r\nConnection: close\r\n\r\n")) return {};
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(Scaled(std::chrono::seconds(5)).count())) != 1) return {};
  char buffer[256] = {};
  const ssize_t n = recv(fd_, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return {};
  const std::string text(buffer, static_cast<std::size_t>(n));
  return text.substr(0, text.find("\r\n"));
}

std::string RawConnection::Upgrade(const std::string& path, const std::string& behind) const {
  const std::string handshake = "GET " + path +
                                " HTTP/1.1\r\nHost: plenum\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!Send(handshake + behind)) return {};
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(Scaled(std::chrono::seconds(5)).count())) != 1) return {};
  // The answer's headers only: what follows them is the server's first
  // frames, left for Receive.
  std::string answer;
  char byte = 0;
  while (answer.size() < 4096 && answer.find("\r\n\r\n") == std::string::npos && recv(fd_, &byte, 1, 0) == 1)
    answer += byte;
  return answer.substr(0, answer.find("\r\n"));
}

bool RawConnection::WaitUntilClosed(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  char buffer[4096];
  while (connected_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
    if (recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) return true;  // closed (or reset)
  }
  return false;
}

std::string RawConnection::TextFrame(const std::string& text) {
  // One final text frame, masked as a client's must be (key 0: the payload
  // is unchanged).
  std::string frame;
  frame += static_cast<char>(0x81);
  if (text.size() < 126) {
    frame += static_cast<char>(0x80 | text.size());
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>((text.size() >> 8) & 0xff);
    frame += static_cast<char>(text.size() & 0xff);
  }
  frame += std::string(4, '\0');
  frame += text;
  return frame;
}

bool RawConnection::SendWebSocketMessage(const std::string& path, const std::string& text) const {
  return Upgrade(path).rfind("HTTP/1.1 101", 0) == 0 && Send(TextFrame(text));
}

std::string RawConnection::Receive(std::chrono::milliseconds timeout) const {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(Scaled(timeout).count())) != 1) return {};
  char buffer[4096];
  const ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace plenum::test
