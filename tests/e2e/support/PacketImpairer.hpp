// A bad network for one address, where the kernel has no netem: its UDP
// packets are handed to this process through a netfilter queue
// (libnetfilter_queue) and dropped or let go after a delay.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct nfq_handle;
struct nfq_q_handle;
struct nfq_data;
struct nfgenmsg;

namespace plenum::test {

class NfqueueRules;

// What happens to each packet, independently: dropped with probability
// `loss`, else held for a draw from a normal distribution (cut off at 0).
struct Impairment {
  double loss = 0.0;
  double delayMeanMs = 0.0;
  double delaySigmaMs = 0.0;
};

// Every UDP packet from or to one address (both ways: RTP, RTCP, STUN, DTLS
// alike) goes through it; nothing else does (see NfqueueRules). Its own
// thread takes each packet the kernel queues, draws its fate, holds it until
// it is due and gives the kernel its verdict then; packets may overtake each
// other, as with netem's jitter. It counts what it did, so that a test can
// check what it actually applied. The draws come from a generator seeded by
// the caller: the same seed, the same sequence of draws.
//
// Changes the network namespace it runs in: run it in one of its own
// (scripts/isolated-net.sh). Needs root (CAP_NET_ADMIN).
class PacketImpairer {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::string address;      // the impaired one, IPv4
    std::uint16_t queue = 0;  // the NFQUEUE number
    std::string chain;        // the iptables chain of its rules (mangle table)
    std::uint64_t seed = 0;
  };

  // Sums, so that a window's figures are the difference of two snapshots.
  struct Direction {
    std::uint64_t packets = 0;
    std::uint64_t dropped = 0;
    std::uint64_t released = 0;
    double delaySumMs = 0.0;  // time each released packet was held
    // RFC 3550's interarrival jitter, per RTP stream, as its receiver
    // would compute it (packets in the order they are let go, transit =
    // time held): the sum of |D| and how many; their ratio is what the
    // RFC's running estimate converges to.
    double jitterSumMs = 0.0;
    std::uint64_t jitterCount = 0;

    double MeanDelayMs() const;
    double JitterMs() const;
    double LossPercent() const;
    Direction Since(const Direction& before) const;
  };
  struct Stats {
    Direction toAddress;          // packets to the impaired address
    Direction fromAddress;        // its packets
    std::set<std::string> peers;  // every address its packets came from or went to
    // How much later than due packets were let go (this thread's
    // scheduling): the worst, and how many were 5 ms late or more.
    double maxLatenessMs = 0.0;
    std::uint64_t lateBy5Ms = 0;
    bool realtime = false;  // whether the thread got SCHED_FIFO
    std::string failure;    // why the thread stopped, if it did
  };
  // The kernel's own figures: the rules' counters, and the queue's line in
  // /proc/net/netfilter/nfnetlink_queue (number, port id, packets waiting,
  // copy mode, copy range, dropped because the queue was full, dropped
  // because the message to us failed, last id, 1).
  struct KernelCounters {
    std::uint64_t queuedByRules = 0;
    std::string queueLine = "(queue not listed)";
    std::uint64_t queueDropped = 0;
    std::uint64_t userDropped = 0;
  };

  // Binds the queue, adds the rules and starts the thread; lets everything
  // through until Set(). Throws std::runtime_error when any of that fails,
  // leaving nothing behind.
  explicit PacketImpairer(Options options);
  // Removes the rules, lets go every packet it holds, closes the queue.
  ~PacketImpairer();
  PacketImpairer(const PacketImpairer&) = delete;
  PacketImpairer& operator=(const PacketImpairer&) = delete;

  // Applies to the packets queued from now on.
  void Set(const Impairment& impairment);
  Stats GetStats() const;
  KernelCounters ReadKernelCounters() const;

 private:
  struct Held {
    Clock::time_point due;
    Clock::time_point arrived;
    std::uint32_t id;
    bool toAddress;
    std::optional<std::uint32_t> ssrc;  // an RTP packet's
    bool operator>(const Held& other) const { return due > other.due; }
  };
  struct HandleClose {
    void operator()(nfq_handle* handle) const;
  };
  struct QueueDestroy {
    void operator()(nfq_q_handle* queue) const;
  };

  static int OnPacket(nfq_q_handle* queue, nfgenmsg* message, nfq_data* packet, void* self);
  void Queued(nfq_data* packet);
  void Verdict(std::uint32_t id, std::uint32_t verdict);
  void Run();
  void Released(const Held& packet, Clock::time_point now);

  // Owned.
  std::unique_ptr<nfq_handle, HandleClose> handle_;
  std::unique_ptr<nfq_q_handle, QueueDestroy> queue_;
  std::unique_ptr<NfqueueRules> rules_;
  int wake_ = -1;  // eventfd: stop
  std::thread thread_;

  // Others.
  const Options options_;
  // The thread's alone.
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held_;
  std::string callbackFailure_;  // an exception caught in OnPacket
  // Shared with the test's thread.
  mutable std::mutex mutex_;
  Impairment impairment_;
  std::mt19937_64 random_;
  Stats stats_;
  std::map<std::uint32_t, double> lastTransitMs_;  // per SSRC
};

}  // namespace plenum::test
