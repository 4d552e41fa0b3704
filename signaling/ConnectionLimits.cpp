#include "signaling/ConnectionLimits.hpp"

namespace plenum::signaling {

bool ConnectionLimits::HasRoom(const std::string& address) const {
  return perAddress_ == 0 || OpenFrom(address) < perAddress_;
}

bool ConnectionLimits::Open(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  int& count = open_[address];
  if (perAddress_ != 0 && count >= perAddress_) {
    if (count == 0) open_.erase(address);
    return false;
  }
  ++count;
  return true;
}

void ConnectionLimits::Close(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(address);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);  // the map holds only addresses with open connections
}

int ConnectionLimits::OpenFrom(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace plenum::signaling
