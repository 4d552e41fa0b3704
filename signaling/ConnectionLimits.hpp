// How many connections are open, in all and from each client address, so
// that one address cannot take every connection the server has. Shared by
// the plain and TLS listeners and by the WebSocket hub; any thread.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

namespace plenum::signaling {

class ConnectionLimits {
 public:
  // 0: no limit.
  ConnectionLimits(int total, int perAddress) : total_(total), perAddress_(perAddress) {}

  // Whether `address` may open one more (a cheap check at accept time).
  bool HasRoom(const std::string& address) const;
  // Counts one more connection from `address`; false (and nothing counted)
  // when the server or the address already holds its limit.
  bool Open(const std::string& address);
  void Close(const std::string& address);
  int OpenFrom(const std::string& address) const;

 private:
  bool HasRoomLocked(const std::string& address) const;

  const int total_;
  const int perAddress_;
  mutable std::mutex mutex_;
  int open_ = 0;
  std::unordered_map<std::string, int> openFrom_;
};

// One counted connection, given back when the owner goes: first the HTTP
// connection holds it, then, after a WebSocket upgrade, the hub.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionLimits& limits, std::string address) : limits_(&limits), address_(std::move(address)) {}
  ~ConnectionSlot() {
    if (limits_) limits_->Close(address_);
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept : limits_(other.limits_), address_(std::move(other.address_)) {
    other.limits_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
      if (limits_) limits_->Close(address_);
      limits_ = other.limits_;
      address_ = std::move(other.address_);
      other.limits_ = nullptr;
    }
    return *this;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  const std::string& address() const { return address_; }

 private:
  ConnectionLimits* limits_ = nullptr;
  std::string address_;
};

// The slot of the connection the calling thread serves (Poco runs a
// connection's requests on the thread that runs the connection), for the
// WebSocket upgrade to take over; an empty slot if none.
void SetCurrentConnectionSlot(ConnectionSlot* slot);
ConnectionSlot TakeCurrentConnectionSlot();

}  // namespace plenum::signaling
