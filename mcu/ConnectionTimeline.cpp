#include "mcu/ConnectionTimeline.hpp"

#include <algorithm>
#include <utility>

namespace plenum::mcu {

ConnectionTimeline::ConnectionTimeline(std::size_t capacity, std::size_t keepFirst)
    : capacity_(std::max<std::size_t>(capacity, 1)), keepFirst_(std::min(keepFirst, capacity_ - 1)) {
  entries_.reserve(capacity_);
}

void ConnectionTimeline::Record(Clock::time_point at, std::string step, Details details) {
  Append(Entry{at, std::move(step), std::move(details), 0, {}});
}

void ConnectionTimeline::Count(Clock::time_point at, std::string step, Details details) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& entry) {
    return entry.count > 0 && entry.step == step && entry.details == details;
  });
  if (it != entries_.end()) {
    ++it->count;
    it->lastAt = std::max(it->lastAt, at);
    return;
  }
  Append(Entry{at, std::move(step), std::move(details), 1, at});
}

void ConnectionTimeline::Append(Entry entry) {
  if (entries_.size() >= capacity_) {
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(keepFirst_));
    ++dropped_;
  }
  entries_.push_back(std::move(entry));
}

std::string ConnectionState(const std::string& iceState, const std::string& peerConnectionState, bool left) {
  if (left) return "left";
  if (iceState == "failed" || peerConnectionState == "failed") return "failed";
  if (peerConnectionState == "connected") return "connected";
  // A transport that reports no peer connection state: ICE alone says.
  if (peerConnectionState.empty() && (iceState == "connected" || iceState == "completed")) return "connected";
  return "connecting";
}

}  // namespace plenum::mcu
