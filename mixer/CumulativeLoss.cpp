#include "mixer/CumulativeLoss.hpp"

namespace plenum::mixer {

uint64_t CumulativeLoss::Increase(uint32_t ssrc, int32_t cumulativeLost, uint32_t highestSequence) {
  Stream* stream = nullptr;
  for (size_t i = 0; i < count_; ++i) {
    if (streams_[i].ssrc == ssrc) stream = &streams_[i];
  }
  if (!stream) {
    if (count_ == kMaxStreams) return 0;
    stream = &streams_[count_++];
    *stream = Stream{ssrc, 0, highestSequence};
  } else if (highestSequence < stream->highestSequence) {
    stream->counted = 0;  // its statistics started again
  }
  stream->highestSequence = highestSequence;
  if (cumulativeLost <= stream->counted) return 0;
  const auto increase = static_cast<uint64_t>(static_cast<int64_t>(cumulativeLost) - stream->counted);
  stream->counted = cumulativeLost;
  return increase;
}

}  // namespace plenum::mixer
