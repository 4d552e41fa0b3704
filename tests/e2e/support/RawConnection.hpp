#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace plenum::test {

// A TCP connection from a chosen loopback source address (all of 127/8 is
// this machine, so a test can act as several clients), for what a normal
// client library will not do: hold a connection without a request, send a
// request a byte at a time, never read. Closed when destroyed.
class RawConnection {
 public:
  RawConnection(const std::string& source, const std::string& host, std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  // True while the server has neither closed it nor answered on it.
  bool Held() const;
  // Sends the bytes (no signal if the peer is gone); false if not all went.
  bool Send(const std::string& bytes) const;
  // Sends a request and returns the first line of the answer ("" if none
  // within 5 s, scaled with the machine's load).
  std::string Get(const std::string& path) const;
  // Sends a WebSocket handshake (RFC 6455), with `behind` in the same
  // write, and returns the first line of the answer ("HTTP/1.1 101 ...";
  // "" if none within 5 s, scaled).
  std::string Upgrade(const std::string& path, const std::string& behind = "") const;
  // Makes this a WebSocket and sends one masked text message; after the
  // handshake's answer it reads nothing more, as a client that never reads.
  bool SendWebSocketMessage(const std::string& path, const std::string& text) const;
  // Whatever has arrived within `timeout` (scaled), up to 4 KiB; "" if nothing.
  std::string Receive(std::chrono::milliseconds timeout) const;
  // Reads and discards until the server closes the connection; false if it
  // has not within `timeout` (scaled).
  bool WaitUntilClosed(std::chrono::milliseconds timeout) const;
  // A client's text frame (masked) carrying `text`.
  static std::string TextFrame(const std::string& text);

 private:
  int fd_;
  bool connected_ = false;
};

}  // namespace plenum::test
