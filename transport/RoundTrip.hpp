// The round-trip time to one receiver of one of our SSRCs, from the report
// blocks it sends back about it (RFC 3550 §6.4.1).
//
// A block's LSR names the SR of ours it last received, by the middle 32
// bits of its NTP time, and DLSR says how long the reporter held it. We
// remember those middle bits of our last few SRs with when we sent them,
// so the round trip is arrival - sent - DLSR on our monotonic clock alone:
// RtcpTypes' RoundTripMs compares with the wall clock instead, and a block
// whose LSR we never sent (a stale or made-up one) gives nothing here.
//
// Time is passed in, never read: microseconds on one monotonic clock
// (g_get_monotonic_time). No allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "transport/RtcpTypes.hpp"

namespace plenum::transport {

class RoundTrip {
 public:
  // SRs remembered. One a second (what browsers send for video) keeps
  // their last eight seconds, past what a reporter waits between blocks.
  static constexpr size_t kSenderReports = 8;
  // A DLSR rounded up, or a reporter's clock a little fast, can make a
  // near-zero round trip come out negative by this much; it is then 0.
  // More than this is a block that cannot be right, and gives nothing.
  static constexpr int64_t kToleranceUs = 1000;

  RoundTrip() = default;

  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;

  // We sent an SR with `ntpTime` at `sentUs`.
  void OnSenderReportSent(uint64_t ntpTime, int64_t sentUs);

  // The round trip in microseconds that `block`, arrived at `arrivalUs`,
  // measures; nullopt when its LSR is 0 (no SR of ours received yet) or
  // not one of our last kSenderReports SRs. The caller checks the block is
  // about the SSRC this RoundTrip belongs to.
  std::optional<int64_t> OnReportBlock(const RtcpReportBlock& block, int64_t arrivalUs);

  // The last round trip measured; nullopt before the first.
  std::optional<int64_t> LastUs() const { return lastUs_; }

 private:
  struct Sent {
    uint32_t compactNtp = 0;
    int64_t sentUs = 0;
  };

  // Others.
  std::array<Sent, kSenderReports> sent_{};
  size_t count_ = 0;  // how many of sent_ hold an SR
  size_t next_ = 0;   // the slot the next SR takes
  std::optional<int64_t> lastUs_;
};

}  // namespace plenum::transport
