// The server's media counters for /metrics: server-wide totals, never per
// room or participant, that only grow over the server's life (a room that
// ends takes nothing away: its counts were added here as they happened).
//
// Who writes what, and why it costs the packet path nothing that matters:
//  - Per packet (RTP in and out, by kind) and per RTCP report (loss), each
//    media worker adds to its own WorkerCounters: one cache line set per
//    worker, written by that worker's thread alone, so an add is a relaxed
//    load and store (plain moves on x86-64 and ARM64: no lock prefix, no
//    read-modify-write, no line bouncing between cores), with no lock, no
//    allocation and no string. Readers sum the workers' counters.
//  - The audio tick's lateness and the RTCP jitter go into histograms every
//    worker shares (common::AtomicHistogram: relaxed atomic adds), at most
//    50 times a second per room.
//  - The composite's encoders count frames from GStreamer's streaming
//    threads into shared relaxed atomics, some 30 times a second per room.
// Reading (any thread, /metrics) only loads; it never waits for a media
// thread, and a media thread never waits for it. Values read one by one
// are not one snapshot, which Prometheus counters do not need.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/AtomicHistogram.hpp"
#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {

// A count that one thread adds to and any thread reads.
class SingleWriterCounter {
 public:
  // The owning thread only: not atomic as a whole, which it need not be
  // with a single writer, and so no locked instruction.
  void Add(uint64_t amount) {
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Frames of the rooms' composites, counted on the encoders' streaming
// threads (any number of them: atomic adds).
struct CompositeFrameCounters {
  std::atomic<uint64_t> vp8Encoded{0};
  std::atomic<uint64_t> h264Encoded{0};
  // Frames the composite's schedule (its frame rate) called for that never
  // left an encoder: a gap in the encoded frames' timestamps, whoever
  // dropped them (the compositor's QoS, the H.264 branch's leaky queue, an
  // encoder).
  std::atomic<uint64_t> dropped{0};

  // Frames missing between two encoded frames whose timestamps are
  // `previousNs` and `nextNs`, the composite's frames `frameNs` apart: a
  // step of n frames (rounded) misses n - 1. A step back, or one longer
  // than kMaxGapNs (a new timeline, not frames lost), misses none.
  static constexpr uint64_t kMaxGapNs = 10'000'000'000;
  static uint64_t MissingBetween(uint64_t previousNs, uint64_t nextNs, uint64_t frameNs) {
    if (frameNs == 0 || nextNs <= previousNs || nextNs - previousNs > kMaxGapNs) return 0;
    const uint64_t frames = (nextNs - previousNs + frameNs / 2) / frameNs;
    return frames > 1 ? frames - 1 : 0;
  }
};

class MediaMetrics {
 public:
  enum Direction { kIn = 0, kOut = 1 };

  // One media worker's counters; its thread alone writes them.
  struct alignas(64) WorkerCounters {
    // RTP packets and their bytes as RTP (header and payload: after SRTP's
    // unprotect coming in, before its protect going out), by [Direction]
    // [MediaKind].
    SingleWriterCounter packets[2][2];
    SingleWriterCounter bytes[2][2];
    // RFC 3550 cumulative lost, as increases per stream ([Direction]).
    SingleWriterCounter packetsLost[2];
    SingleWriterCounter videoRetransmitted;
    SingleWriterCounter keyframeRequestsSent;
    SingleWriterCounter keyframeRequestsDeferred;

    void CountPacket(Direction direction, MediaKind kind, size_t bytesOfPacket) {
      const int k = kind == MediaKind::Audio ? 0 : 1;
      packets[direction][k].Add(1);
      bytes[direction][k].Add(bytesOfPacket);
    }
  };

  // Bucket bounds, in seconds.
  static const std::vector<double>& JitterBuckets();
  static const std::vector<double>& TickLatenessBuckets();

  // One WorkerCounters per media worker (at least one).
  explicit MediaMetrics(size_t workers);
  MediaMetrics(const MediaMetrics&) = delete;
  MediaMetrics& operator=(const MediaMetrics&) = delete;

  WorkerCounters& Worker(size_t index) { return workers_[index]; }

  // Any thread.
  uint64_t Packets(Direction direction, MediaKind kind) const;
  uint64_t Bytes(Direction direction, MediaKind kind) const;
  uint64_t PacketsLost(Direction direction) const;
  uint64_t VideoRetransmitted() const;
  uint64_t KeyframeRequestsSent() const;
  uint64_t KeyframeRequestsDeferred() const;

  // Each stream's interarrival jitter at each report, in seconds: kIn ours
  // (what we receive, in our reports), kOut the receivers' (in theirs).
  common::AtomicHistogram& Jitter(Direction direction) { return direction == kIn ? jitterIn_ : jitterOut_; }
  const common::AtomicHistogram& Jitter(Direction direction) const {
    return direction == kIn ? jitterIn_ : jitterOut_;
  }
  // How late each audio tick ran after its deadline, in seconds.
  common::AtomicHistogram& TickLateness() { return tickLateness_; }
  const common::AtomicHistogram& TickLateness() const { return tickLateness_; }
  CompositeFrameCounters& Composite() { return composite_; }
  const CompositeFrameCounters& Composite() const { return composite_; }

 private:
  template <typename Read>
  uint64_t Sum(Read read) const {
    uint64_t total = 0;
    for (size_t i = 0; i < workerCount_; ++i) total += read(workers_[i]);
    return total;
  }

  const size_t workerCount_;
  std::unique_ptr<WorkerCounters[]> workers_;
  common::AtomicHistogram jitterIn_;
  common::AtomicHistogram jitterOut_;
  common::AtomicHistogram tickLateness_;
  CompositeFrameCounters composite_;
};

}  // namespace plenum::mixer
