#include "signaling/ConnectionLimits.hpp"

namespace plenum::signaling {

bool ConnectionLimits::HasRoomLocked(const std::string& address) const {
  if (total_ != 0 && open_ >= total_) return false;
  if (perAddress_ == 0) return true;
  auto it = openFrom_.find(address);
  return it == openFrom_.end() || it->second < perAddress_;
}

bool ConnectionLimits::HasRoom(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return HasRoomLocked(address);
}

bool ConnectionLimits::Open(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!HasRoomLocked(address)) return false;
  ++open_;
  ++openFrom_[address];
  return true;
}

void ConnectionLimits::Close(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = openFrom_.find(address);
  if (it == openFrom_.end()) return;
  --open_;
  if (--it->second <= 0) openFrom_.erase(it);  // the map holds only addresses with open connections
}

int ConnectionLimits::OpenFrom(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = openFrom_.find(address);
  return it == openFrom_.end() ? 0 : it->second;
}

namespace {
thread_local ConnectionSlot* currentSlot = nullptr;
}  // namespace

void SetCurrentConnectionSlot(ConnectionSlot* slot) { currentSlot = slot; }

ConnectionSlot TakeCurrentConnectionSlot() { return currentSlot ? std::move(*currentSlot) : ConnectionSlot(); }

}  // namespace plenum::signaling
