#include "mcu/ServerCounters.hpp"

#include <algorithm>

namespace plenum::mcu {

namespace {

std::vector<double> FirstMediaBounds() {
  return {ServerCounters::kFirstMediaBounds.begin(), ServerCounters::kFirstMediaBounds.end()};
}

}  // namespace

ServerCounters::ServerCounters() : firstMediaIn_(FirstMediaBounds()), firstMediaOut_(FirstMediaBounds()) {}

void ServerCounters::Left(std::string_view reason) {
  auto it = std::find(kLeaveReasons.begin(), kLeaveReasons.end(), reason);
  if (it == kLeaveReasons.end()) it = std::find(kLeaveReasons.begin(), kLeaveReasons.end(), "failed");
  leaves_[it - kLeaveReasons.begin()].fetch_add(1, std::memory_order_relaxed);
}

void ServerCounters::ErrorSent(ErrorCode code) {
  auto it = std::find(kErrorCodes.begin(), kErrorCodes.end(), code);
  if (it == kErrorCodes.end()) it = std::find(kErrorCodes.begin(), kErrorCodes.end(), ErrorCode::Internal);
  errors_[it - kErrorCodes.begin()].fetch_add(1, std::memory_order_relaxed);
}

void ServerCounters::FirstMedia(bool incoming, double secondsSinceJoin) {
  (incoming ? firstMediaIn_ : firstMediaOut_).Observe(secondsSinceJoin);
}

}  // namespace plenum::mcu
