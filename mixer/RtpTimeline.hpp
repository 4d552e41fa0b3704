// A stream's RTP timestamps as running times on the room's timeline,
// anchored at a packet's arrival, as a jitter buffer would stamp them:
// packets that arrive in bursts keep their own spacing, so a recording
// that takes them does not see them overlap. When the two part by more
// than kResync (a pause, a new timestamp base, a sender's clock running
// off) it anchors again at the packet's arrival.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <cstdlib>

namespace plenum::mixer {

class RtpTimeline {
 public:
  explicit RtpTimeline(uint32_t clockRate) : clockRate_(clockRate) {}

  GstClockTime RunningTime(uint32_t rtpTimestamp, GstClockTime arrival) {
    if (anchored_) {
      const auto elapsed = static_cast<int32_t>(rtpTimestamp - anchorRtp_);
      const GstClockTimeDiff offset = gst_util_uint64_scale_int(std::abs(elapsed), GST_SECOND, clockRate_);
      const GstClockTimeDiff time = static_cast<GstClockTimeDiff>(anchorTime_) + (elapsed < 0 ? -offset : offset);
      if (time >= 0 && std::abs(GST_CLOCK_DIFF(static_cast<GstClockTime>(time), arrival)) < kResync)
        return static_cast<GstClockTime>(time);
    }
    anchored_ = true;
    anchorRtp_ = rtpTimestamp;
    anchorTime_ = arrival;
    return arrival;
  }

 private:
  static constexpr GstClockTimeDiff kResync = 150 * GST_MSECOND;
  const uint32_t clockRate_;
  bool anchored_ = false;
  uint32_t anchorRtp_ = 0;
  GstClockTime anchorTime_ = 0;
};

}  // namespace plenum::mixer
