#include "signaling/WebSocketConnection.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SecureStreamSocketImpl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>

#include "mcu/Conference.hpp"
#include "mcu/Log.hpp"
#include "signaling/ProtocolCodec.hpp"
#include "signaling/SocketChannel.hpp"

namespace plenum::signaling {
namespace {

// How much one readiness event may read, so that one busy client cannot
// keep the hub from the others.
constexpr int kReadBudget = 64 * 1024;
constexpr int kReadChunk = 16 * 1024;

bool IsTls(const Poco::Net::StreamSocket& socket) {
  return dynamic_cast<Poco::Net::SecureStreamSocketImpl*>(socket.impl()) != nullptr;
}

// For the join and failure log lines; a socket already gone has none.
std::string PeerHost(const Poco::Net::StreamSocket& socket) {
  try {
    return socket.peerAddress().host().toString();
  } catch (const Poco::Exception&) {
    return {};
  }
}

}  // namespace

WebSocketConnection::WebSocketConnection(Poco::Net::StreamSocket socket, std::string early, ConnectionSlot slot,
                                         mcu::Conference& conference, Clock::time_point now)
    : conference_(conference),
      socket_(std::move(socket)),
      slot_(std::move(slot)),
      channel_(std::make_shared<SocketChannel>()),
      decoder_(kMaxMessageBytes),
      socketFd_(socket_.impl()->sockfd()),
      tls_(IsTls(socket_)),
      lastReceived_(now),
      lastPing_(now),
      sendProgress_(now),
      refilledAt_(now) {
  socket_.setBlocking(false);
  if (tls_) {
    // Poco's TLS socket waits for a wanted read or write on its inner
    // socket, which still thinks it blocks (1.11 has no way to tell it
    // otherwise), for as long as the socket's timeout: with no timeout it
    // waits not at all and throws TimeoutException, which means "again".
    socket_.setReceiveTimeout(Poco::Timespan(0));
    socket_.setSendTimeout(Poco::Timespan(0));
  }
  session_ = conference_.OpenSession(channel_, mcu::SessionOrigin{PeerHost(socket_), tls_ ? "wss" : "ws"});
  if (!early.empty()) decoder_.Append(early.data(), early.size());
}

WebSocketConnection::~WebSocketConnection() {
  conference_.CloseSession(session_);
  try {
    socket_.close();
  } catch (const Poco::Exception&) {
    // Closing what is already gone.
  }
}

int WebSocketConnection::wakeFd() const { return channel_->wakeFd(); }

// Poco's plain sockets throw on EAGAIN in some versions and return -1 in
// others; the descriptor is ours to read directly. TLS goes through Poco
// (see the constructor for how it is kept from waiting).
WebSocketConnection::Io WebSocketConnection::Receive(char* buffer, int size, int& received) {
  received = 0;
  if (!tls_) {
    const ssize_t n = ::recv(socketFd_, buffer, static_cast<size_t>(size), 0);
    if (n > 0) {
      received = static_cast<int>(n);
      return Io::Done;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Io::Again;
    return Io::Closed;
  }
  try {
    const int n = socket_.receiveBytes(buffer, size);
    if (n > 0) {
      received = n;
      return Io::Done;
    }
    return n == 0 ? Io::Closed : Io::Again;
  } catch (const Poco::TimeoutException&) {
    return Io::Again;
  } catch (const Poco::Exception&) {
    return Io::Closed;
  }
}

WebSocketConnection::Io WebSocketConnection::Send(const char* data, int size, int& sent) {
  sent = 0;
  if (!tls_) {
    const ssize_t n = ::send(socketFd_, data, static_cast<size_t>(size), MSG_NOSIGNAL);
    if (n >= 0) {
      sent = static_cast<int>(n);
      return Io::Done;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::Again;
    return Io::Closed;
  }
  try {
    const int n = socket_.sendBytes(data, size);
    if (n > 0) {
      sent = n;
      return Io::Done;
    }
    return Io::Again;  // ERR_SSL_WANT_WRITE/READ: the same bytes again later
  } catch (const Poco::TimeoutException&) {
    return Io::Again;
  } catch (const Poco::Exception&) {
    return Io::Closed;
  }
}

bool WebSocketConnection::OnReadable(Clock::time_point now) {
  char buffer[kReadChunk];
  int budget = kReadBudget;
  while (state_ != State::Finished) {
    if (budget <= 0) return tls_;  // TLS may hold decrypted bytes that poll cannot see
    int received = 0;
    const Io io = Receive(buffer, std::min(budget, kReadChunk), received);
    if (io == Io::Again) break;
    if (io == Io::Closed) {
      Finish();  // the client went away (or closed its side after our close frame)
      return false;
    }
    budget -= received;
    lastReceived_ = now;
    if (state_ != State::Open) continue;  // closing: drain and ignore
    decoder_.Append(buffer, static_cast<std::size_t>(received));
    DispatchDecoded();
  }
  Flush(now);
  return false;
}

void WebSocketConnection::Begin(Clock::time_point now) {
  DispatchDecoded();
  Flush(now);
}

void WebSocketConnection::DispatchDecoded() {
  while (state_ == State::Open) {
    std::optional<WebSocketEvent> event = decoder_.Next();
    if (!event) return;
    Dispatch(std::move(*event));
  }
}

void WebSocketConnection::Dispatch(WebSocketEvent event) {
  const Clock::time_point now = lastReceived_;
  switch (event.kind) {
    case WebSocketEvent::Kind::Text: HandleText(std::move(event.payload)); return;
    case WebSocketEvent::Kind::Binary: Reject(mcu::ErrorCode::BadRequest, "only text frames carry messages"); return;
    case WebSocketEvent::Kind::Ping: Queue(EncodeWebSocketFrame(WebSocketOpcode::Pong, event.payload), now); return;
    case WebSocketEvent::Kind::Pong: return;
    case WebSocketEvent::Kind::Close: Close(kCloseNormal, "", now); return;
    case WebSocketEvent::Kind::Invalid: Close(event.closeCode, event.payload, now); return;
  }
}

void WebSocketConnection::HandleText(std::string text) {
  if (!TakeMessageToken(lastReceived_)) {
    Close(kClosePolicyViolation, "too many messages", lastReceived_);
    return;
  }
  try {
    conference_.Handle(session_, ParseClientMessage(text));
    consecutiveErrors_ = 0;
  } catch (const mcu::ProtocolError& error) {
    Reject(error.code(), error.what());
  }
}

// A token bucket: kMessageBurst tokens, refilled at kMessagesPerSecond.
bool WebSocketConnection::TakeMessageToken(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - refilledAt_).count();
  refilledAt_ = now;
  messageTokens_ = std::min(kMessageBurst, messageTokens_ + elapsed * kMessagesPerSecond);
  if (messageTokens_ < 1.0) return false;
  messageTokens_ -= 1.0;
  return true;
}

void WebSocketConnection::Reject(mcu::ErrorCode code, const std::string& message) {
  if (++consecutiveErrors_ >= kMaxConsecutiveErrors) {
    Close(kClosePolicyViolation, "too many bad requests", lastReceived_);
    return;
  }
  // Through the channel, behind whatever the control thread queued before.
  conference_.Counters().ErrorSent(code);
  channel_->Enqueue(EncodeError(code, message));
}

void WebSocketConnection::OnWake(Clock::time_point now) {
  SocketChannel::Pending pending = channel_->Take();
  if (state_ != State::Open) return;
  for (const std::string& message : pending.messages) Queue(EncodeWebSocketFrame(WebSocketOpcode::Text, message), now);
  if (pending.close) Close(kCloseNormal, "session ended", now);
  Flush(now);
}

void WebSocketConnection::Queue(std::string frame, Clock::time_point now) {
  if (unsent_.empty()) sendProgress_ = now;
  unsentBytes_ += frame.size();
  unsent_.push_back(std::move(frame));
  if (unsentBytes_ > kMaxUnsentBytes) {
    PLENUM_LOG_INFO("drop a client that does not read [session:%" PRIu64 " unsent:%zu]", session_, unsentBytes_);
    Finish();
  }
}

void WebSocketConnection::Flush(Clock::time_point now) {
  while (!unsent_.empty() && state_ != State::Finished) {
    // The front frame does not move until it is all sent, so a TLS write
    // that must be repeated is repeated with the same bytes.
    const std::string& front = unsent_.front();
    int sent = 0;
    const Io io = Send(front.data() + unsentOffset_, static_cast<int>(front.size() - unsentOffset_), sent);
    if (io == Io::Closed) {
      Finish();
      return;
    }
    if (io == Io::Again || sent == 0) break;
    sendProgress_ = now;
    unsentOffset_ += static_cast<std::size_t>(sent);
    unsentBytes_ -= static_cast<std::size_t>(sent);
    if (unsentOffset_ == front.size()) {
      unsent_.pop_front();
      unsentOffset_ = 0;
    }
  }
  // Our close frame is out: end our side; the client then closes its own.
  if (state_ == State::Closing && unsent_.empty() && !shutDownSending_) {
    shutDownSending_ = true;
    try {
      socket_.shutdownSend();
    } catch (const Poco::Exception&) {
      Finish();
    }
  }
}

void WebSocketConnection::OnWritable(Clock::time_point now) { Flush(now); }

void WebSocketConnection::Close(std::uint16_t code, const std::string& reason, Clock::time_point now) {
  if (state_ != State::Open) return;
  Queue(EncodeWebSocketClose(code, reason), now);
  if (state_ == State::Finished) return;
  state_ = State::Closing;
  closingSince_ = now;
  // The participant leaves now, not when the client finishes closing.
  conference_.CloseSession(session_);
}

void WebSocketConnection::OnTick(Clock::time_point now) {
  if (state_ == State::Finished) return;
  if (!unsent_.empty() && now - sendProgress_ > kSendStall) {
    PLENUM_LOG_INFO("drop a client that stopped reading [session:%" PRIu64 "]", session_);
    Finish();
    return;
  }
  if (state_ == State::Closing) {
    if (now - closingSince_ > kCloseLinger) Finish();
    return;
  }
  if (now - std::max(lastReceived_, lastPing_) > kPingAfter) {
    lastPing_ = now;
    Queue(EncodeWebSocketFrame(WebSocketOpcode::Ping, ""), now);
    Flush(now);
  }
}

void WebSocketConnection::GoAway() {
  const Clock::time_point now = Clock::now();
  Close(kCloseGoingAway, "the server is shutting down", now);
  Flush(now);
  Finish();
}

void WebSocketConnection::Finish() { state_ = State::Finished; }

}  // namespace plenum::signaling
