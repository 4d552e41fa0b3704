// A histogram with fixed bucket bounds that any thread may add to without a
// lock (media workers, the audio tick, the control thread) while /metrics
// reads it from a pool thread. Written out with common::PrometheusText.
#pragma once

#include "common/PrometheusText.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace plenum::common {

class AtomicHistogram {
 public:
  // `upper_bounds` ascending, without +Inf (added implicitly).
  explicit AtomicHistogram(std::vector<double> upper_bounds);
  AtomicHistogram(const AtomicHistogram&) = delete;
  AtomicHistogram& operator=(const AtomicHistogram&) = delete;

  void Observe(double value);

  // Buckets and sum are read one by one, not as one transaction: a scrape
  // racing an Observe may see its count without its sum, as Prometheus'
  // own client libraries allow.
  HistogramSnapshot Snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> bucket_counts_;  // bounds + 1
  std::atomic<double> sum_{0};
};

}  // namespace plenum::common
