#include "support/PacketImpairer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter.h>  // NF_ACCEPT, NF_DROP
#include <netinet/ip.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "support/NfqueueRules.hpp"

namespace plenum::test {
namespace {

double Milliseconds(PacketImpairer::Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::runtime_error Failure(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

// What the kernel copies of each packet: the IP header (addresses), the UDP
// header and an RTP header's first 12 bytes (its SSRC, for the jitter per
// stream).
constexpr unsigned kCopyRange = 40;
// Packets the kernel may hold for us before it drops (and counts) them.
constexpr std::uint32_t kQueueLength = 8192;
constexpr unsigned kReceiveBuffer = 8 << 20;

}  // namespace

double PacketImpairer::Direction::MeanDelayMs() const {
  return released ? delaySumMs / static_cast<double>(released) : 0.0;
}

double PacketImpairer::Direction::JitterMs() const {
  return jitterCount ? jitterSumMs / static_cast<double>(jitterCount) : 0.0;
}

double PacketImpairer::Direction::LossPercent() const {
  return packets ? 100.0 * static_cast<double>(dropped) / static_cast<double>(packets) : 0.0;
}

PacketImpairer::Direction PacketImpairer::Direction::Since(const Direction& before) const {
  return {packets - before.packets,       dropped - before.dropped,         released - before.released,
          delaySumMs - before.delaySumMs, jitterSumMs - before.jitterSumMs, jitterCount - before.jitterCount};
}

void PacketImpairer::HandleClose::operator()(nfq_handle* handle) const { nfq_close(handle); }

void PacketImpairer::QueueDestroy::operator()(nfq_q_handle* queue) const { nfq_destroy_queue(queue); }

PacketImpairer::PacketImpairer(Options options) : options_(std::move(options)), random_(options_.seed) {
  handle_.reset(nfq_open());
  if (!handle_) throw Failure("nfq_open");
  const int fd = nfq_fd(handle_.get());
  // Not for the children the test starts (the server, iptables): the
  // library opens its socket without SOCK_CLOEXEC.
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) throw Failure("fcntl FD_CLOEXEC");
  // No-ops since Linux 3.8; before it, the binding of AF_INET to nfnetlink_queue.
  if (nfq_unbind_pf(handle_.get(), AF_INET) < 0) throw Failure("nfq_unbind_pf");
  if (nfq_bind_pf(handle_.get(), AF_INET) < 0) throw Failure("nfq_bind_pf");
  queue_.reset(nfq_create_queue(handle_.get(), options_.queue, &PacketImpairer::OnPacket, this));
  if (!queue_) throw Failure("nfq_create_queue " + std::to_string(options_.queue));
  if (nfq_set_mode(queue_.get(), NFQNL_COPY_PACKET, kCopyRange) < 0) throw Failure("nfq_set_mode");
  if (nfq_set_queue_maxlen(queue_.get(), kQueueLength) < 0) throw Failure("nfq_set_queue_maxlen");
  nfnl_rcvbufsiz(nfq_nfnlh(handle_.get()), kReceiveBuffer);
  // A burst that overflows the socket is counted by the kernel (the queue's
  // user-dropped figure), not reported as an error that would stop the thread.
  const int one = 1;
  ::setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_ < 0) throw Failure("eventfd");
  try {
    // Until the thread runs, what the rules queue waits in the kernel.
    rules_ = std::make_unique<NfqueueRules>(options_.chain, options_.address, options_.queue);
  } catch (...) {
    ::close(wake_);
    throw;
  }
  thread_ = std::thread([this] { Run(); });
  // The impairer stands for a network, which does not slow down when the
  // test's clients keep the cores busy: it runs before them if it may
  // (netem would run in the kernel's timers).
  sched_param priority{};
  priority.sched_priority = 10;
  const bool realtime = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &priority) == 0;
  std::lock_guard lock(mutex_);
  stats_.realtime = realtime;
}

PacketImpairer::~PacketImpairer() {
  rules_.reset();  // nothing more is queued
  const std::uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) std::perror("eventfd write");
  thread_.join();
  ::close(wake_);
  // Then queue_ and handle_, in that order: unbound, closed.
}

void PacketImpairer::Set(const Impairment& impairment) {
  std::lock_guard lock(mutex_);
  impairment_ = impairment;
}

PacketImpairer::Stats PacketImpairer::GetStats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

PacketImpairer::KernelCounters PacketImpairer::ReadKernelCounters() const {
  KernelCounters counters;
  counters.queuedByRules = rules_->Queued();
  std::ifstream file("/proc/net/netfilter/nfnetlink_queue");
  for (std::string line; std::getline(file, line);) {
    std::stringstream fields(line);
    unsigned number = 0, portId = 0, waiting = 0, mode = 0, range = 0;
    if (!(fields >> number) || number != options_.queue) continue;
    counters.queueLine = line;
    fields >> portId >> waiting >> mode >> range >> counters.queueDropped >> counters.userDropped;
  }
  return counters;
}

int PacketImpairer::OnPacket(nfq_q_handle*, nfgenmsg*, nfq_data* packet, void* self) {
  auto* impairer = static_cast<PacketImpairer*>(self);
  try {
    impairer->Queued(packet);
    return 0;
  } catch (const std::exception& e) {  // not through the library's C
    impairer->callbackFailure_ = e.what();
    return -1;
  }
}

void PacketImpairer::Queued(nfq_data* packet) {
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(packet);
  if (!header) return;
  const std::uint32_t id = ntohl(header->packet_id);
  std::string source;
  std::string destination;
  std::optional<std::uint32_t> ssrc;
  unsigned char* bytes = nullptr;
  const int length = nfq_get_payload(packet, &bytes);
  if (length >= static_cast<int>(sizeof(iphdr))) {
    iphdr ip{};
    std::memcpy(&ip, bytes, sizeof ip);
    char text[INET_ADDRSTRLEN];
    source = inet_ntop(AF_INET, &ip.saddr, text, sizeof text);
    destination = inet_ntop(AF_INET, &ip.daddr, text, sizeof text);
    // RTP (not RTCP: payload types 192-223, RFC 5761), by RFC 7983's first
    // byte 128-191, after the IP and UDP headers.
    const int rtp = static_cast<int>(ip.ihl) * 4 + 8;
    if (ip.protocol == IPPROTO_UDP && length >= rtp + 12 && bytes[rtp] >= 128 && bytes[rtp] <= 191 &&
        (bytes[rtp + 1] < 192 || bytes[rtp + 1] > 223)) {
      std::uint32_t value = 0;
      std::memcpy(&value, bytes + rtp + 8, sizeof value);
      ssrc = ntohl(value);
    }
  }
  const bool toAddress = destination == options_.address;
  const auto now = Clock::now();
  double delayMs = 0.0;
  {
    std::lock_guard lock(mutex_);
    Direction& direction = toAddress ? stats_.toAddress : stats_.fromAddress;
    direction.packets++;
    if (!source.empty()) stats_.peers.insert(toAddress ? source : destination);
    if (std::uniform_real_distribution<double>(0.0, 1.0)(random_) < impairment_.loss) {
      direction.dropped++;
      delayMs = -1.0;
    } else if (impairment_.delayMeanMs > 0.0 || impairment_.delaySigmaMs > 0.0) {
      delayMs =
          std::max(0.0, std::normal_distribution<double>(impairment_.delayMeanMs, impairment_.delaySigmaMs)(random_));
    }
  }
  if (delayMs < 0.0) {
    Verdict(id, NF_DROP);
    return;
  }
  held_.push(
      Held{now + std::chrono::microseconds(static_cast<std::int64_t>(delayMs * 1000.0)), now, id, toAddress, ssrc});
}

void PacketImpairer::Verdict(std::uint32_t id, std::uint32_t verdict) {
  if (nfq_set_verdict(queue_.get(), id, verdict, 0, nullptr) < 0) throw Failure("nfq_set_verdict");
}

void PacketImpairer::Run() {
  alignas(8) static thread_local char buffer[1 << 16];
  const int fd = nfq_fd(handle_.get());
  try {
    for (;;) {
      timespec wait{};
      timespec* timeout = nullptr;
      if (!held_.empty()) {
        const auto left = std::max(Clock::duration::zero(), held_.top().due - Clock::now());
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        wait.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        wait.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        timeout = &wait;
      }
      pollfd fds[2] = {{fd, POLLIN, 0}, {wake_, POLLIN, 0}};
      if (::ppoll(fds, 2, timeout, nullptr) < 0 && errno != EINTR) throw Failure("ppoll");
      if (fds[1].revents) break;
      if (fds[0].revents) {
        for (;;) {
          const ssize_t size = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
          if (size < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            throw Failure("netlink receive");
          }
          // Calls OnPacket for each packet in it.
          nfq_handle_packet(handle_.get(), buffer, static_cast<int>(size));
          if (!callbackFailure_.empty()) throw std::runtime_error(callbackFailure_);
        }
      }
      const auto now = Clock::now();
      while (!held_.empty() && held_.top().due <= now) {
        const Held packet = held_.top();
        held_.pop();
        Verdict(packet.id, NF_ACCEPT);
        Released(packet, now);
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    stats_.failure = e.what();
    std::fprintf(stderr, "packet impairer stopped: %s\n", e.what());
  }
  // Whatever is still held goes now (the rules are gone by then, or the
  // test has failed anyway).
  for (; !held_.empty(); held_.pop()) nfq_set_verdict(queue_.get(), held_.top().id, NF_ACCEPT, 0, nullptr);
}

void PacketImpairer::Released(const Held& packet, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Direction& direction = packet.toAddress ? stats_.toAddress : stats_.fromAddress;
  const double transitMs = Milliseconds(now - packet.arrived);
  direction.released++;
  direction.delaySumMs += transitMs;
  if (packet.ssrc) {
    auto [last, first] = lastTransitMs_.try_emplace(*packet.ssrc, transitMs);
    if (!first) {
      direction.jitterSumMs += std::abs(transitMs - last->second);
      direction.jitterCount++;
      last->second = transitMs;
    }
  }
  const double lateMs = Milliseconds(now - packet.due);
  stats_.maxLatenessMs = std::max(stats_.maxLatenessMs, lateMs);
  if (lateMs >= 5.0) stats_.lateBy5Ms++;
}

}  // namespace plenum::test
