// RFC 3550's cumulative number of packets lost, per stream, turned into
// increases that only add up, for a counter that never goes down.
//
// A report block's cumulative lost may fall: duplicates count as received
// (A.3), and so does a packet that was only late (reordered past the
// report's moment) once it arrives. Only a rise above the highest value
// seen so far is counted, so such a dip and the rise back are not counted
// twice. A reporter whose statistics started again (its extended highest
// sequence number went back: the sender restarted its numbering) starts
// from zero again. A stream's first block counts whole: it is the loss
// since the stream began.
//
// Streams are keyed by SSRC and bounded (kMaxStreams; past that, blocks
// add nothing), so that a peer cannot make it grow. No allocation; one
// thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace plenum::mixer {

class CumulativeLoss {
 public:
  static constexpr size_t kMaxStreams = 8;

  // The packets newly lost on `ssrc`, from a report block's cumulative
  // lost and extended highest sequence number.
  uint64_t Increase(uint32_t ssrc, int32_t cumulativeLost, uint32_t highestSequence);

 private:
  struct Stream {
    uint32_t ssrc = 0;
    int32_t counted = 0;  // the highest cumulative lost counted so far
    uint32_t highestSequence = 0;
  };
  std::array<Stream, kMaxStreams> streams_{};
  size_t count_ = 0;
};

}  // namespace plenum::mixer
