// One upgraded WebSocket (PROTOCOL.md section 1: one participant in one
// room), served by the hub's thread without ever blocking on it: the socket
// is non-blocking, frames are decoded from whatever bytes have arrived,
// and what the control thread queued in the session's SocketChannel is
// written as far as the client reads it.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "mcu/ErrorCode.hpp"
#include "signaling/ConnectionLimits.hpp"
#include "signaling/WebSocketFrames.hpp"

namespace plenum::mcu {
class Conference;
}

namespace plenum::signaling {

class SocketChannel;

class WebSocketConnection {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  // Consecutive bad requests after which the client is disconnected (1008).
  static constexpr int kMaxConsecutiveErrors = 10;
  // Every message costs the control thread work (an offer, a candidate
  // handed to the ICE agent); a browser sends a few dozen in a whole session.
  // Beyond a burst of kMessageBurst, kMessagesPerSecond are allowed; a
  // client that floods faster is disconnected (1008).
  static constexpr double kMessageBurst = 200;
  static constexpr double kMessagesPerSecond = 50;
  // Written but unread by the client: beyond this, or with no progress for
  // kSendStall, the client is dropped (it stalls nobody else meanwhile).
  static constexpr std::size_t kMaxUnsentBytes = 1024 * 1024;
  static constexpr auto kSendStall = std::chrono::seconds(5);
  // A ping after this long without a frame from the client keeps NATs and
  // proxies from dropping a quiet session.
  static constexpr auto kPingAfter = std::chrono::seconds(30);
  // After our close frame, how long the client has to close its side.
  static constexpr auto kCloseLinger = std::chrono::seconds(2);

  // `early` holds bytes the HTTP session read past the upgrade request.
  WebSocketConnection(Poco::Net::StreamSocket socket, std::string early, ConnectionSlot slot,
                      mcu::Conference& conference, Clock::time_point now);
  // Ends the session with the conference; closes the socket.
  ~WebSocketConnection();
  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;

  // Handles what arrived with the upgrade request.
  void Begin(Clock::time_point now);

  int socketFd() const { return socketFd_; }
  int wakeFd() const;

  // The socket is readable. Returns true when bytes may remain buffered
  // inside TLS (reading stopped at its per-call share): call again soon.
  bool OnReadable(Clock::time_point now);
  // The control thread queued messages or closed the session.
  void OnWake(Clock::time_point now);
  void OnWritable(Clock::time_point now);
  // Once a second or so: pings, stalled writes, closing handshakes.
  void OnTick(Clock::time_point now);
  // Server shutdown: a last close frame, sent if the socket takes it.
  void GoAway();

  bool WantsWrite() const { return !unsent_.empty(); }
  bool Finished() const { return state_ == State::Finished; }

 private:
  enum class State { Open, Closing, Finished };
  enum class Io { Done, Again, Closed };

  Io Receive(char* buffer, int size, int& received);
  Io Send(const char* data, int size, int& sent);
  void DispatchDecoded();
  void Dispatch(WebSocketEvent event);
  void HandleText(std::string text);
  bool TakeMessageToken(Clock::time_point now);
  void Reject(mcu::ErrorCode code, const std::string& message);
  void Queue(std::string frame, Clock::time_point now);
  void Flush(Clock::time_point now);
  // Sends a close frame and stops reading messages.
  void Close(std::uint16_t code, const std::string& reason, Clock::time_point now);
  void Finish();

  // Passed by argument.
  mcu::Conference& conference_;
  // Owned.
  Poco::Net::StreamSocket socket_;
  ConnectionSlot slot_;
  std::shared_ptr<SocketChannel> channel_;
  WebSocketFrameDecoder decoder_;
  // Others.
  const int socketFd_;
  const bool tls_;
  std::uint64_t session_ = 0;
  State state_ = State::Open;
  std::deque<std::string> unsent_;  // whole frames; the front one from unsentOffset_
  std::size_t unsentOffset_ = 0;
  std::size_t unsentBytes_ = 0;
  bool shutDownSending_ = false;
  Clock::time_point lastReceived_;
  Clock::time_point lastPing_;
  Clock::time_point sendProgress_;
  Clock::time_point closingSince_;
  int consecutiveErrors_ = 0;
  double messageTokens_ = kMessageBurst;
  Clock::time_point refilledAt_;
};

}  // namespace plenum::signaling
