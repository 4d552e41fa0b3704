// Every upgraded WebSocket, served by one thread ("plenum-ws") with epoll:
// an idle participant costs two descriptors and a few kilobytes, not a
// thread (Poco's HTTP server keeps a thread per connection for as long as
// its handler runs, so the handler hands the socket over here right after
// the upgrade). Nothing here blocks: the sockets are non-blocking, and the
// Conference is only posted to.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "signaling/ConnectionLimits.hpp"

namespace plenum::mcu {
class Conference;
}

namespace plenum::signaling {

class WebSocketConnection;

class WebSocketHub {
 public:
  explicit WebSocketHub(mcu::Conference& conference);
  ~WebSocketHub();
  WebSocketHub(const WebSocketHub&) = delete;
  WebSocketHub& operator=(const WebSocketHub&) = delete;

  void Start();
  // Takes over an upgraded socket (its handshake answered) with the bytes
  // the HTTP session read past the request and the connection's slot in
  // the limits. Any thread; after Stop the socket is just closed.
  void Adopt(Poco::Net::StreamSocket socket, std::string early, ConnectionSlot slot);
  // Says goodbye (close 1001) to every client, ends their sessions, joins
  // the thread.
  void Stop();

 private:
  struct Adoption {
    Poco::Net::StreamSocket socket;
    std::string early;
    ConnectionSlot slot;
  };
  struct Entry {
    std::unique_ptr<WebSocketConnection> connection;
    bool watchingWrite = false;
  };

  void Run();
  void TakeAdoptions();
  void Watch(std::uint64_t id, Entry& entry);
  // Follows what the connection now wants (writes, or to be removed).
  void Update(std::uint64_t id);
  void WakeHub();

  // Passed by argument.
  mcu::Conference& conference_;
  // Owned.
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: adoptions waiting, or stop
  std::thread thread_;
  // Handed over from other threads.
  std::mutex mutex_;
  std::vector<Adoption> adoptions_;
  bool stopping_ = false;
  bool running_ = false;
  // The hub thread's own.
  std::unordered_map<std::uint64_t, Entry> connections_;
  std::unordered_set<std::uint64_t> readAgain_;
  std::uint64_t nextId_ = 1;
};

}  // namespace plenum::signaling
