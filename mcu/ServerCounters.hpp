// The control plane's counters for /metrics: what must outlive a room or a
// session (joins, leaves, errors sent, the time from a join to its first
// media). Lock-free, so any thread may count (the control thread, the
// WebSocket thread, REST pool threads) and a scrape never waits on the
// control thread for them. Owned by the Conference.
//
// Labels are fixed vocabularies (reasons, error codes, directions): never a
// room name or participant id, which would make one time series per
// meeting and publish who met.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "common/AtomicHistogram.hpp"
#include "mcu/ErrorCode.hpp"

namespace plenum::mcu {

class ServerCounters {
 public:
  // Why a participant left: the reasons of its timeline's `left` step.
  static constexpr std::array<std::string_view, 5> kLeaveReasons = {"leave", "socket-closed", "room-closed", "failed",
                                                                    "server-shutdown"};
  // Every code of ErrorCode, in its order.
  static constexpr std::array<ErrorCode, 10> kErrorCodes = {
      ErrorCode::BadRequest,    ErrorCode::Unauthorized,     ErrorCode::RoomFull,   ErrorCode::NotJoined,
      ErrorCode::AlreadyJoined, ErrorCode::UnsupportedMedia, ErrorCode::RoomClosed, ErrorCode::Internal,
      ErrorCode::NotFound,      ErrorCode::Conflict};
  // Join to first media, seconds: a good call is under half a second, one
  // that struggles with ICE takes seconds.
  static constexpr std::array<double, 9> kFirstMediaBounds = {0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10};

  ServerCounters();
  ServerCounters(const ServerCounters&) = delete;
  ServerCounters& operator=(const ServerCounters&) = delete;

  void Joined() { joins_.fetch_add(1, std::memory_order_relaxed); }
  // An unknown reason is counted as "failed" (it should not happen).
  void Left(std::string_view reason);
  // An error the server sent a client: over its WebSocket or in a REST body.
  void ErrorSent(ErrorCode code);
  void FirstMedia(bool incoming, double secondsSinceJoin);

  std::uint64_t joins() const { return joins_.load(std::memory_order_relaxed); }
  std::uint64_t leaves(std::size_t reasonIndex) const { return leaves_[reasonIndex].load(std::memory_order_relaxed); }
  std::uint64_t errors(std::size_t codeIndex) const { return errors_[codeIndex].load(std::memory_order_relaxed); }
  const common::AtomicHistogram& firstMedia(bool incoming) const { return incoming ? firstMediaIn_ : firstMediaOut_; }

 private:
  std::atomic<std::uint64_t> joins_{0};
  std::array<std::atomic<std::uint64_t>, kLeaveReasons.size()> leaves_{};
  std::array<std::atomic<std::uint64_t>, kErrorCodes.size()> errors_{};
  common::AtomicHistogram firstMediaIn_;
  common::AtomicHistogram firstMediaOut_;
};

}  // namespace plenum::mcu
