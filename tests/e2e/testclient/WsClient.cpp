#include "testclient/WsClient.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/Buffer.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace plenum::test {

namespace {

using Poco::Net::WebSocket;

// FrameFlags and FrameOpcodes are distinct enums; C++20 deprecates or-ing them.
constexpr int kFinal = WebSocket::FRAME_FLAG_FIN;
constexpr int kPong = kFinal | WebSocket::FRAME_OP_PONG;
constexpr int kClose = kFinal | WebSocket::FRAME_OP_CLOSE;

constexpr int kNoStatusCode = 1005;
constexpr int kAbnormalClosure = 1006;

// PLENUM_TEST_TRACE_SIGNALING=1 prints every frame sent and received to
// stderr: the first thing to look at when a negotiation fails.
bool TraceSignaling() {
  static const bool enabled = [] {
    const char* value = std::getenv("PLENUM_TEST_TRACE_SIGNALING");
    return value && *value && std::string(value) != "0";
  }();
  return enabled;
}

void Trace(const char* direction, const std::string& text) {
  if (TraceSignaling()) std::cerr << "[signaling " << direction << "] " << text << std::endl;
}

Poco::Timespan ToTimespan(std::chrono::milliseconds duration) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(duration.count()) * 1000);
}

}  // namespace

WsClient::WsClient(const std::string& host, std::uint16_t port, const std::string& path,
                   std::chrono::milliseconds connectTimeout) {
  Poco::Net::HTTPClientSession session(host, port);
  session.setTimeout(ToTimespan(Scaled(connectTimeout)));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  // The WebSocket takes the session's connection over; the session can go.
  socket_ = std::make_unique<WebSocket>(session, request, response);
  // The reader blocks until a frame arrives or the socket is shut down: a
  // receive timeout could cut a frame in half and desynchronise the stream.
  socket_->setReceiveTimeout(Poco::Timespan(0));
  socket_->setSendTimeout(ToTimespan(Scaled(connectTimeout)));
  reader_ = std::thread(&WsClient::ReadLoop, this);
}

WsClient::~WsClient() {
  ClearHandlers();
  if (IsOpen()) {
    Close();
    WaitForClose(std::chrono::seconds(2));
  }
  ShutdownSocket();
  if (reader_.joinable()) reader_.join();
}

void WsClient::Send(const Message& message) {
  std::ostringstream text;
  message.stringify(text);
  if (!SendRaw(text.str())) throw Poco::IOException("WebSocket send failed: connection closed");
}

bool WsClient::SendRaw(const std::string& text) {
  Trace(">>", text.size() > 4096 ? text.substr(0, 4096) + "..." : text);
  std::lock_guard lock(sendMutex_);
  if (closeSent_) return false;
  try {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

void WsClient::Reply(int flags, const char* payload, int length) {
  std::lock_guard lock(sendMutex_);
  if (closeSent_) return;
  try {
    socket_->sendFrame(payload, length, flags);
  } catch (const Poco::Exception&) {
    // The peer is gone; the reader notices on its next receive.
  }
  if ((flags & WebSocket::FRAME_OP_BITMASK) == WebSocket::FRAME_OP_CLOSE) closeSent_ = true;
}

void WsClient::Close(std::uint16_t code) {
  std::lock_guard lock(sendMutex_);
  if (closeSent_) return;
  closeSent_ = true;
  try {
    socket_->shutdown(code);
  } catch (const Poco::Exception&) {
  }
}

void WsClient::Abort() {
  {
    std::lock_guard lock(sendMutex_);
    closeSent_ = true;
  }
  ShutdownSocket();
}

void WsClient::ShutdownSocket() {
  // StreamSocket::shutdown is the TCP shutdown (WebSocket::shutdown would
  // send a close frame); it also wakes the reader blocked in receive.
  try {
    static_cast<Poco::Net::StreamSocket&>(*socket_).shutdown();
  } catch (const Poco::Exception&) {
  }
}

void WsClient::ReadLoop() {
  for (;;) {
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    int length = 0;
    try {
      length = socket_->receiveFrame(buffer, flags);
    } catch (const Poco::Exception&) {
      MarkClosed(kAbnormalClosure);
      return;
    }
    if (length == 0 && flags == 0) {  // TCP connection ended
      MarkClosed(kAbnormalClosure);
      return;
    }

    const std::string payload(buffer.begin(), static_cast<std::size_t>(length));
    const bool final = (flags & WebSocket::FRAME_FLAG_FIN) != 0;
    switch (flags & WebSocket::FRAME_OP_BITMASK) {
      case WebSocket::FRAME_OP_TEXT:
        fragments_ = payload;
        if (final) Deliver(fragments_);
        break;
      case WebSocket::FRAME_OP_CONT:
        fragments_ += payload;
        if (final) Deliver(fragments_);
        break;
      case WebSocket::FRAME_OP_PING: Reply(kPong, payload.data(), length); break;
      case WebSocket::FRAME_OP_CLOSE: {
        const int code = length >= 2
                             ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                             : kNoStatusCode;
        // Echo the code to complete the closing handshake.
        Reply(kClose, payload.data(), std::min(length, 2));
        MarkClosed(code);
        return;
      }
      default:  // binary and pong frames carry nothing for us
        break;
    }
  }
}

void WsClient::Deliver(const std::string& text) {
  Trace("<<", text);
  Poco::JSON::Object::Ptr object;
  try {
    Poco::JSON::Parser parser;
    object = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  std::string type;
  if (object && object->has("type") && object->get("type").isString()) type = object->getValue<std::string>("type");
  if (type.empty()) {
    std::lock_guard lock(mutex_);
    malformed_.push_back(text);
    return;
  }

  {
    // Errors are kept with their code and text: they are what a failing
    // test needs to show.
    std::lock_guard lock(mutex_);
    history_.push_back(type == "error" ? "error(" + object->optValue<std::string>("code", "?") + ": " +
                                             object->optValue<std::string>("message", "") + ")"
                                       : type);
  }
  {
    std::lock_guard dispatch(dispatchMutex_);
    auto handler = handlers_.find(type);
    if (handler != handlers_.end()) {
      try {
        handler->second(*object);
      } catch (const std::exception&) {
        // A handler's failure is its own to report; the reader goes on.
      }
      return;
    }
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(*object);
  }
  changed_.notify_all();
}

void WsClient::MarkClosed(int code) {
  {
    std::lock_guard lock(mutex_);
    if (!closeCode_) closeCode_ = code;
  }
  changed_.notify_all();
}

std::optional<WsClient::Message> WsClient::WaitForAny(std::initializer_list<std::string> types,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  std::unique_lock lock(mutex_);
  auto take = [&]() -> std::optional<Message> {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (std::find(types.begin(), types.end(), it->getValue<std::string>("type")) != types.end()) {
        Message found = *it;
        queue_.erase(it);
        return found;
      }
    }
    return std::nullopt;
  };
  for (;;) {
    if (auto found = take()) return found;
    if (closeCode_)  // nothing more will arrive
      return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return take();
  }
}

std::optional<WsClient::Message> WsClient::WaitFor(const std::string& type, std::chrono::milliseconds timeout) {
  return WaitForAny({type}, timeout);
}

std::optional<int> WsClient::WaitForClose(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, Scaled(timeout), [&] { return closeCode_.has_value(); });
  return closeCode_;
}

bool WsClient::IsOpen() const {
  std::lock_guard lock(mutex_);
  return !closeCode_;
}

std::vector<std::string> WsClient::History() const {
  std::lock_guard lock(mutex_);
  return history_;
}

std::vector<std::string> WsClient::Malformed() const {
  std::lock_guard lock(mutex_);
  return malformed_;
}

void WsClient::SetHandler(const std::string& type, Handler handler) {
  std::lock_guard dispatch(dispatchMutex_);
  handlers_[type] = std::move(handler);
}

void WsClient::ClearHandlers() {
  std::lock_guard dispatch(dispatchMutex_);
  handlers_.clear();
}

}  // namespace plenum::test
