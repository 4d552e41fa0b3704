#include "signaling/RequestDeadlines.hpp"

#include <sys/socket.h>

namespace plenum::signaling {
namespace {

thread_local RequestDeadlines::Id currentConnection = 0;

}  // namespace

RequestDeadlines::Id CurrentConnection() { return currentConnection; }

void SetCurrentConnection(RequestDeadlines::Id id) { currentConnection = id; }

RequestDeadlines::Id RequestDeadlines::Begin(const Poco::Net::StreamSocket& socket) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Id id = next_++;
  connections_.emplace(id, Waiting{socket, true, Clock::now() + headerTimeout_});
  return id;
}

void RequestDeadlines::HeadersDone(Id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = connections_.find(id); it != connections_.end()) it->second.due = false;
}

void RequestDeadlines::RequestDone(Id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = connections_.find(id); it != connections_.end()) {
    it->second.due = true;
    it->second.deadline = Clock::now() + keepAliveTimeout_ + headerTimeout_;
  }
}

void RequestDeadlines::End(Id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  connections_.erase(id);
}

int RequestDeadlines::ShutDownOverdue(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  int count = 0;
  for (auto& [id, waiting] : connections_) {
    if (!waiting.due || waiting.deadline > now) continue;
    // The descriptor itself, not Poco's shutdown: on a TLS socket that
    // would write to the TLS session another thread is reading from.
    ::shutdown(waiting.socket.impl()->sockfd(), SHUT_RDWR);
    waiting.due = false;  // once
    ++count;
  }
  return count;
}

}  // namespace plenum::signaling
