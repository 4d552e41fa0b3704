#include "signaling/AddressRate.hpp"

#include <algorithm>

namespace plenum::signaling {
namespace {

constexpr std::size_t kPruneAbove = 4096;

}  // namespace

bool AddressRate::Take(const std::string& address, Clock::time_point now) {
  if (perSecond_ <= 0) return true;
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= kPruneAbove) Prune(now);
  auto [it, added] = buckets_.try_emplace(address, Bucket{burst_, now});
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilledAt).count();
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * perSecond_);
  bucket.refilledAt = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void AddressRate::Prune(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.refilledAt).count();
    if (it->second.tokens + elapsed * perSecond_ >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace plenum::signaling
