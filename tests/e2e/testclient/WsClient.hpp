#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/WebSocket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace plenum::test {

// A WebSocket signaling client speaking JSON text frames. A reader thread
// parses incoming frames and queues them; tests wait for them by type. Types
// with a registered handler go to the handler (on the reader thread) instead
// of the queue. All methods are thread-safe.
class WsClient {
 public:
  using Message = Poco::JSON::Object;
  using Handler = std::function<void(const Message&)>;

  // Connects and completes the WebSocket handshake to ws://host:port/path.
  // Throws Poco::Exception when the server is unreachable or refuses.
  WsClient(const std::string& host, std::uint16_t port, const std::string& path = "/ws",
           std::chrono::milliseconds connectTimeout = std::chrono::seconds(5));
  // Closes politely (close frame, bounded wait for the reply) and joins.
  ~WsClient();

  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Sends one JSON text frame. Throws Poco::Exception on a broken socket.
  void Send(const Message& message);
  // Sends `text` as one text frame, whatever it holds. False if the socket
  // refused it (already closed or reset by the peer).
  bool SendRaw(const std::string& text);

  // Removes and returns the first queued message of `type`, waiting for one
  // if needed; other messages stay queued.
  std::optional<Message> WaitFor(const std::string& type, std::chrono::milliseconds timeout);
  // The same for the first message whose type is any of `types`.
  std::optional<Message> WaitForAny(std::initializer_list<std::string> types, std::chrono::milliseconds timeout);
  // The close code once the connection is closed: the server's close frame
  // code, 1005 for a close frame without one, 1006 for a connection that
  // ended without a close frame.
  std::optional<int> WaitForClose(std::chrono::milliseconds timeout);

  bool IsOpen() const;
  // Types of every message received so far, in order, for diagnostics;
  // errors as "error(CODE: MESSAGE)".
  std::vector<std::string> History() const;
  // Frames that were not JSON objects with a string "type".
  std::vector<std::string> Malformed() const;

  // Routes `type` to `handler` from now on. ClearHandlers() waits for a
  // handler that is running, so the objects they use can then be destroyed.
  void SetHandler(const std::string& type, Handler handler);
  void ClearHandlers();

  // Starts the closing handshake (close frame with `code`) without waiting.
  void Close(std::uint16_t code = Poco::Net::WebSocket::WS_NORMAL_CLOSE);
  // Drops the TCP connection without a close frame, as a crashed client would.
  void Abort();

 private:
  void ReadLoop();
  void Deliver(const std::string& text);
  void Reply(int flags, const char* payload, int length);
  void MarkClosed(int code);
  void ShutdownSocket();

  // Owned.
  std::unique_ptr<Poco::Net::WebSocket> socket_;
  std::thread reader_;

  // Others.
  std::string fragments_;                    // a text message split over frames, reader thread only
  std::mutex sendMutex_;                     // one writer at a time on the socket
  bool closeSent_ = false;                   // under sendMutex_
  std::mutex dispatchMutex_;                 // held while a handler runs
  std::map<std::string, Handler> handlers_;  // under dispatchMutex_
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Message> queue_;
  std::vector<std::string> history_;
  std::vector<std::string> malformed_;
  std::optional<int> closeCode_;
};

}  // namespace plenum::test
