#include "mixer/MediaMetrics.hpp"

#include <algorithm>

namespace plenum::mixer {

const std::vector<double>& MediaMetrics::JitterBuckets() {
  static const std::vector<double> buckets{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2};
  return buckets;
}

const std::vector<double>& MediaMetrics::TickLatenessBuckets() {
  static const std::vector<double> buckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1};
  return buckets;
}

MediaMetrics::MediaMetrics(size_t workers)
    : workerCount_(std::max<size_t>(workers, 1)),
      workers_(new WorkerCounters[workerCount_]),
      jitterIn_(JitterBuckets()),
      jitterOut_(JitterBuckets()),
      tickLateness_(TickLatenessBuckets()) {}

uint64_t MediaMetrics::Packets(Direction direction, MediaKind kind) const {
  const int k = kind == MediaKind::Audio ? 0 : 1;
  return Sum([&](const WorkerCounters& worker) { return worker.packets[direction][k].Get(); });
}

uint64_t MediaMetrics::Bytes(Direction direction, MediaKind kind) const {
  const int k = kind == MediaKind::Audio ? 0 : 1;
  return Sum([&](const WorkerCounters& worker) { return worker.bytes[direction][k].Get(); });
}

uint64_t MediaMetrics::PacketsLost(Direction direction) const {
  return Sum([&](const WorkerCounters& worker) { return worker.packetsLost[direction].Get(); });
}

uint64_t MediaMetrics::VideoRetransmitted() const {
  return Sum([](const WorkerCounters& worker) { return worker.videoRetransmitted.Get(); });
}

uint64_t MediaMetrics::KeyframeRequestsSent() const {
  return Sum([](const WorkerCounters& worker) { return worker.keyframeRequestsSent.Get(); });
}

uint64_t MediaMetrics::KeyframeRequestsDeferred() const {
  return Sum([](const WorkerCounters& worker) { return worker.keyframeRequestsDeferred.Get(); });
}

}  // namespace plenum::mixer
