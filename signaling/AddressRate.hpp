// A token bucket per client address: how often one address may do
// something costly (open a WebSocket, and so join a room). Any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace plenum::signaling {

class AddressRate {
 public:
  using Clock = std::chrono::steady_clock;

  // `perSecond` 0: no limit. An address starts with `burst` tokens.
  AddressRate(double perSecond, double burst) : perSecond_(perSecond), burst_(burst) {}

  // Takes a token for `address`; false when it has none left.
  bool Take(const std::string& address, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point refilledAt;
  };

  // Forgets addresses whose buckets are full again, so that the map holds
  // only recent ones however many addresses come by.
  void Prune(Clock::time_point now);

  const double perSecond_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace plenum::signaling
