// One participant's connection as it happened: a bounded list of steps
// (socket opened, joined, offer, ICE states, first media, left ...), each
// with its time and a few details, for GET /api/v1/rooms/{room}/participants/{id}.
//
// Pure and transport-neutral: whoever sees a step (the control plane, the
// media transport through its listener) records it here; JSON is made in
// signaling/. Control thread only, like everything a session owns.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace plenum::mcu {

class ConnectionTimeline {
 public:
  using Clock = std::chrono::system_clock;
  using Value = std::variant<bool, std::int64_t, std::string>;
  struct Detail {
    std::string name;
    Value value;
    bool operator==(const Detail&) const = default;
  };
  using Details = std::vector<Detail>;

  struct Entry {
    Clock::time_point at;  // when it happened (a counted step: the first time)
    std::string step;
    Details details;
    // A counted step (Count): how many times it happened, and the last
    // time; 0 for a step recorded once (Record).
    std::uint64_t count = 0;
    Clock::time_point lastAt;
  };

  // At most `capacity` entries. Once full, the first `keepFirst` stay (how
  // the connection began) and the oldest of the rest makes room for a new
  // one (how it is going now), counted in dropped().
  static constexpr std::size_t kCapacity = 64;
  static constexpr std::size_t kKeepFirst = 16;
  explicit ConnectionTimeline(std::size_t capacity = kCapacity, std::size_t keepFirst = kKeepFirst);

  // A step that has an entry of its own each time.
  void Record(Clock::time_point at, std::string step, Details details = {});
  // A step that may happen many times (a trickled candidate): one entry per
  // step and details, counting, where it first happened.
  void Count(Clock::time_point at, std::string step, Details details = {});

  // In the order they first happened.
  const std::vector<Entry>& entries() const { return entries_; }
  // Entries removed to keep the timeline within its capacity.
  std::uint64_t dropped() const { return dropped_; }

 private:
  void Append(Entry entry);

  std::size_t capacity_;
  std::size_t keepFirst_;
  std::vector<Entry> entries_;
  std::uint64_t dropped_ = 0;
};

// What a participant's connection is, for the API: "left" once it ended,
// else "failed" when ICE or the peer connection failed, "connected" while
// the peer connection is (ICE, for a transport that has no peer
// connection state), "connecting" otherwise (also while disconnected: ICE
// may come back).
// States are webrtc's words ("checking", "connected", "completed", ...);
// empty before the first.
std::string ConnectionState(const std::string& iceState, const std::string& peerConnectionState, bool left);

}  // namespace plenum::mcu
