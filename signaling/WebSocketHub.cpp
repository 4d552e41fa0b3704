#include "signaling/WebSocketHub.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "mcu/Log.hpp"
#include "signaling/WebSocketConnection.hpp"

namespace plenum::signaling {
namespace {

using Clock = WebSocketConnection::Clock;

// epoll's data for each descriptor: the connection's id, shifted, with the
// low bit set for its channel's wake descriptor; 0 is the hub's own wake.
constexpr std::uint64_t kHubWake = 0;
std::uint64_t SocketTag(std::uint64_t id) { return id << 1; }
std::uint64_t WakeTag(std::uint64_t id) { return (id << 1) | 1; }

constexpr int kMaxEvents = 256;
constexpr auto kTickInterval = std::chrono::seconds(1);

void EpollAdd(int epoll, int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = tag;
  if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl add");
}

}  // namespace

WebSocketHub::WebSocketHub(mcu::Conference& conference)
    : conference_(conference),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (epoll_ < 0 || wake_ < 0) throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
  EpollAdd(epoll_, wake_, EPOLLIN, kHubWake);
}

WebSocketHub::~WebSocketHub() {
  Stop();
  close(wake_);
  close(epoll_);
}

void WebSocketHub::Start() {
  std::lock_guard lock(mutex_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void WebSocketHub::Adopt(Poco::Net::StreamSocket socket, std::string early, ConnectionSlot slot) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !running_) return;  // the socket and slot go with this frame
    adoptions_.push_back(Adoption{std::move(socket), std::move(early), std::move(slot)});
  }
  WakeHub();
}

void WebSocketHub::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  WakeHub();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  adoptions_.clear();  // handed over after the thread's last look: closed unserved
}

void WebSocketHub::WakeHub() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(wake_, &one, sizeof one);
}

void WebSocketHub::TakeAdoptions() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto drained = read(wake_, &count, sizeof count);
  std::vector<Adoption> taken;
  {
    std::lock_guard lock(mutex_);
    std::swap(taken, adoptions_);
  }
  const Clock::time_point now = Clock::now();
  for (Adoption& adoption : taken) {
    const std::uint64_t id = nextId_++;
    try {
      Entry& entry = connections_[id];
      entry.connection = std::make_unique<WebSocketConnection>(std::move(adoption.socket), std::move(adoption.early),
                                                               std::move(adoption.slot), conference_, now);
      Watch(id, entry);
      entry.connection->Begin(now);
      Update(id);
    } catch (const std::exception& error) {
      // Out of descriptors, most likely: this client goes, the others stay.
      PLENUM_LOG_WARNING("cannot serve a WebSocket [error:%s]", error.what());
      connections_.erase(id);
    }
  }
}

void WebSocketHub::Watch(std::uint64_t id, Entry& entry) {
  EpollAdd(epoll_, entry.connection->socketFd(), EPOLLIN | EPOLLRDHUP, SocketTag(id));
  EpollAdd(epoll_, entry.connection->wakeFd(), EPOLLIN, WakeTag(id));
}

void WebSocketHub::Update(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Entry& entry = it->second;
  WebSocketConnection& connection = *entry.connection;
  if (connection.Finished()) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.socketFd(), nullptr);
    epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.wakeFd(), nullptr);
    readAgain_.erase(id);
    connections_.erase(it);
    return;
  }
  if (connection.WantsWrite() == entry.watchingWrite) return;
  entry.watchingWrite = connection.WantsWrite();
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | (entry.watchingWrite ? EPOLLOUT : 0u);
  event.data.u64 = SocketTag(id);
  epoll_ctl(epoll_, EPOLL_CTL_MOD, connection.socketFd(), &event);
}

void WebSocketHub::Run() {
  pthread_setname_np(pthread_self(), "plenum-ws");  // named in watchdog reports and by tests
  epoll_event events[kMaxEvents];
  Clock::time_point nextTick = Clock::now() + kTickInterval;
  std::unordered_set<std::uint64_t> touched;
  for (;;) {
    const int timeoutMs = readAgain_.empty() ? 1000 : 0;
    const int count = epoll_wait(epoll_, events, kMaxEvents, timeoutMs);
    if (count < 0 && errno != EINTR) {
      PLENUM_LOG_ERROR("epoll_wait failed [errno:%d]", errno);
      break;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    const Clock::time_point now = Clock::now();
    touched.clear();
    std::unordered_set<std::uint64_t> again;
    std::swap(again, readAgain_);
    for (int i = 0; i < count; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kHubWake) {
        TakeAdoptions();
        continue;
      }
      const std::uint64_t id = tag >> 1;
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      WebSocketConnection& connection = *it->second.connection;
      touched.insert(id);
      if (tag & 1) {
        connection.OnWake(now);
        continue;
      }
      if (events[i].events & EPOLLOUT) connection.OnWritable(now);
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        again.erase(id);
        if (connection.OnReadable(now)) readAgain_.insert(id);
      }
    }
    for (std::uint64_t id : again) {  // TLS bytes left over from the last round
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      touched.insert(id);
      if (it->second.connection->OnReadable(now)) readAgain_.insert(id);
    }
    if (now >= nextTick) {
      nextTick = now + kTickInterval;
      for (auto& [id, entry] : connections_) {
        entry.connection->OnTick(now);
        touched.insert(id);
      }
    }
    for (std::uint64_t id : touched) Update(id);
  }
  // Shutting down: a close frame to each client that will take it.
  for (auto& [id, entry] : connections_) entry.connection->GoAway();
  connections_.clear();
  readAgain_.clear();
}

}  // namespace plenum::signaling
