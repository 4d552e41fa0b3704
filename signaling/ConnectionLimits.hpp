// How many connections each client address holds, so that one address
// cannot take every connection (and so every thread) the server has.
// Shared by the plain and TLS listeners; any thread.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

namespace plenum::signaling {

class ConnectionLimits {
 public:
  // 0: no limit.
  explicit ConnectionLimits(int perAddress) : perAddress_(perAddress) {}

  // Whether `address` may open one more (a cheap check at accept time).
  bool HasRoom(const std::string& address) const;
  // Counts one more connection from `address`; false (and nothing counted)
  // when it already holds its limit.
  bool Open(const std::string& address);
  void Close(const std::string& address);
  int OpenFrom(const std::string& address) const;

 private:
  const int perAddress_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> open_;
};

}  // namespace plenum::signaling
