// Packets and bytes through one pad, counted by a buffer probe: two
// relaxed atomic additions per buffer (or buffer list), no lock, no
// allocation. What the participant's rates are measured from.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "mixer/GRef.hpp"

namespace plenum::mixer {

class RtpCounter {
 public:
  struct Totals {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
  };
  // Runs once, on the streaming thread, for the first packet that passes
  // once the counter is armed. Must not block (post to the control thread).
  using FirstPacket = std::function<void()>;

  // Counts what passes `pad` from now on; `armed`: whether the first packet
  // counts as first at once, or only after Arm().
  RtpCounter(GstPad* pad, FirstPacket onFirst, bool armed);
  // Once it returns, nothing is counted any more.
  ~RtpCounter();
  RtpCounter(const RtpCounter&) = delete;
  RtpCounter& operator=(const RtpCounter&) = delete;

  void Arm();
  // Any thread.
  Totals Read() const;

 private:
  struct Shared;
  static GstPadProbeReturn OnData(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  GRef<GstPad> pad_;
  gulong probe_ = 0;
  std::shared_ptr<Shared> shared_;
};

}  // namespace plenum::mixer
