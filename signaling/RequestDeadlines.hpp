// A deadline for each connection's request headers.
//
// Poco's timeout is per read: a client that sends a header byte every few
// seconds (slowloris) keeps its connection, and the thread serving it, for
// ever. Each connection registers here when it starts; the router marks it
// when a request's headers are complete, and again when that request is
// done (a kept-alive connection then waits for the next one, for up to the
// keep-alive timeout); a timer shuts down those still waiting past their
// deadline. Any thread.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

namespace plenum::signaling {

class RequestDeadlines {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;

  RequestDeadlines(std::chrono::seconds headerTimeout, std::chrono::seconds keepAliveTimeout)
      : headerTimeout_(headerTimeout), keepAliveTimeout_(keepAliveTimeout) {}

  // A connection starts: its first request's headers are due.
  Id Begin(const Poco::Net::StreamSocket& socket);
  // A request's headers are complete: no deadline while it is handled.
  void HeadersDone(Id id);
  // The request is done: the next one's headers are due after the
  // keep-alive wait.
  void RequestDone(Id id);
  void End(Id id);
  // Shuts down the sockets of connections past their deadline (their
  // reads then end); how many. From the timer.
  int ShutDownOverdue(Clock::time_point now);

 private:
  struct Waiting {
    Poco::Net::StreamSocket socket;  // keeps the descriptor valid while listed
    bool due = true;
    Clock::time_point deadline;
  };

  const std::chrono::seconds headerTimeout_;
  const std::chrono::seconds keepAliveTimeout_;
  std::mutex mutex_;
  Id next_ = 1;
  std::map<Id, Waiting> connections_;
};

// The connection the calling thread serves, for the router (Poco runs a
// connection's requests on the thread that runs the connection); 0 if none.
RequestDeadlines::Id CurrentConnection();
void SetCurrentConnection(RequestDeadlines::Id id);

}  // namespace plenum::signaling
