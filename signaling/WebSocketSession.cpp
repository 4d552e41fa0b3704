#include "signaling/WebSocketSession.hpp"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <memory>

#include "mcu/Conference.hpp"
#include "mcu/Log.hpp"
#include "signaling/ProtocolCodec.hpp"
#include "signaling/SocketChannel.hpp"

namespace plenum::signaling {
namespace {

using Poco::Net::WebSocket;

constexpr int kPingIntervalMs = 30'000;
constexpr int kPingFrame = static_cast<int>(WebSocket::FRAME_OP_PING) | static_cast<int>(WebSocket::FRAME_FLAG_FIN);
constexpr int kPongFrame = static_cast<int>(WebSocket::FRAME_OP_PONG) | static_cast<int>(WebSocket::FRAME_FLAG_FIN);
const Poco::Timespan kSendTimeout(5, 0);

enum class Ready { Socket, Wake, Idle };

Ready WaitForEither(WebSocket& socket, int wakeFd) {
  if (socket.available() > 0) return Ready::Socket;
  pollfd fds[2] = {{socket.impl()->sockfd(), POLLIN, 0}, {wakeFd, POLLIN, 0}};
  const int n = ::poll(fds, 2, kPingIntervalMs);
  if (n <= 0) return Ready::Idle;
  if (fds[1].revents & POLLIN) return Ready::Wake;
  return Ready::Socket;
}

// Reads the socket until the client is gone, the server closes the
// session, or the client misbehaves. Returns when the session is over.
class SessionLoop {
 public:
  SessionLoop(WebSocket& socket, SocketChannel& channel, mcu::Conference& conference, mcu::SessionId id)
      : socket_(socket), channel_(channel), conference_(conference), id_(id) {}

  void Run() {
    while (open_) {
      switch (WaitForEither(socket_, channel_.wakeFd())) {
        case Ready::Wake: Flush(); break;
        case Ready::Socket: ReadFrame(); break;
        case Ready::Idle: socket_.sendFrame(nullptr, 0, kPingFrame); break;
      }
    }
  }

 private:
  void Flush() {
    SocketChannel::Pending pending = channel_.Take();
    for (const std::string& message : pending.messages)
      socket_.sendFrame(message.data(), static_cast<int>(message.size()));
    if (pending.close) Shutdown(WebSocket::WS_NORMAL_CLOSE, "session ended");
  }

  void ReadFrame() {
    int flags = 0;
    Poco::Buffer<char> frame(0);
    int n = 0;
    try {
      n = socket_.receiveFrame(frame, flags);
    } catch (const Poco::Net::WebSocketException& error) {
      if (error.code() == WebSocket::WS_ERR_PAYLOAD_TOO_BIG) {
        Shutdown(WebSocket::WS_PAYLOAD_TOO_BIG, "frames are limited to 64 KiB");
      } else {
        open_ = false;
      }
      return;
    }
    if (n == 0 && flags == 0) {  // the peer closed the TCP connection
      open_ = false;
      return;
    }
    switch (flags & WebSocket::FRAME_OP_BITMASK) {
      case WebSocket::FRAME_OP_CLOSE: Shutdown(WebSocket::WS_NORMAL_CLOSE, ""); return;
      case WebSocket::FRAME_OP_PING: socket_.sendFrame(frame.begin(), n, kPongFrame); return;
      case WebSocket::FRAME_OP_PONG: return;
      case WebSocket::FRAME_OP_TEXT:
      case WebSocket::FRAME_OP_CONT: message_.append(frame.begin(), n); break;
      default: Reject(mcu::ErrorCode::BadRequest, "only text frames carry messages"); return;
    }
    if (message_.size() > static_cast<size_t>(WebSocketSession::kMaxFrameBytes)) {
      Shutdown(WebSocket::WS_PAYLOAD_TOO_BIG, "messages are limited to 64 KiB");
      return;
    }
    if (!(flags & WebSocket::FRAME_FLAG_FIN)) return;  // more fragments follow
    if (!TakeMessageToken()) {
      Shutdown(WebSocket::WS_POLICY_VIOLATION, "too many messages");
      return;
    }
    std::string text;
    std::swap(text, message_);
    try {
      conference_.Handle(id_, ParseClientMessage(text));
      consecutiveErrors_ = 0;
    } catch (const mcu::ProtocolError& error) {
      Reject(error.code(), error.what());
    }
  }

  // A token bucket: kMessageBurst tokens, refilled at kMessagesPerSecond.
  bool TakeMessageToken() {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - refilledAt_).count();
    refilledAt_ = now;
    messageTokens_ = std::min(WebSocketSession::kMessageBurst,
                              messageTokens_ + elapsed * WebSocketSession::kMessagesPerSecond);
    if (messageTokens_ < 1.0) return false;
    messageTokens_ -= 1.0;
    return true;
  }

  void Reject(mcu::ErrorCode code, const std::string& message) {
    if (++consecutiveErrors_ >= WebSocketSession::kMaxConsecutiveErrors) {
      Shutdown(WebSocket::WS_POLICY_VIOLATION, "too many bad requests");
      return;
    }
    channel_.Enqueue(EncodeError(code, message));
  }

  void Shutdown(WebSocket::StatusCodes code, const std::string& reason) {
    try {
      socket_.shutdown(code, reason);
    } catch (const Poco::Exception&) {
      // The peer is gone already; nothing left to tell it.
    }
    open_ = false;
  }

  WebSocket& socket_;
  SocketChannel& channel_;
  mcu::Conference& conference_;
  mcu::SessionId id_;
  std::string message_;
  int consecutiveErrors_ = 0;
  double messageTokens_ = WebSocketSession::kMessageBurst;
  std::chrono::steady_clock::time_point refilledAt_ = std::chrono::steady_clock::now();
  bool open_ = true;
};

}  // namespace

void WebSocketSession::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  std::unique_ptr<WebSocket> socket;
  try {
    socket = std::make_unique<WebSocket>(request, response);
  } catch (const Poco::Net::WebSocketException& error) {
    response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
    response.setContentLength(0);
    response.send();
    return;
  }
  socket->setMaxPayloadSize(kMaxFrameBytes);
  socket->setSendTimeout(kSendTimeout);

  auto channel = std::make_shared<SocketChannel>();
  const mcu::SessionId id = conference_.OpenSession(channel);
  try {
    SessionLoop(*socket, *channel, conference_, id).Run();
  } catch (const Poco::Exception& error) {
    PLENUM_LOG_INFO("end session on socket error [session:%" PRIu64 " error:%s]", id, error.displayText().c_str());
  }
  conference_.CloseSession(id);
}

}  // namespace plenum::signaling
