#include "mixer/RtpStreamRewriter.hpp"

namespace plenum::mixer {
namespace {

// RFC 3550's "newer": within half the sequence space ahead.
bool IsNewer(uint16_t sequence, uint16_t than) { return static_cast<int16_t>(sequence - than) > 0; }

}  // namespace

RtpStreamRewriter::RtpStreamRewriter(uint32_t ssrc, uint16_t firstSequence, uint32_t firstTimestamp,
                                     uint32_t frameTicks)
    : ssrc_(ssrc), firstSequence_(firstSequence), firstTimestamp_(firstTimestamp), frameTicks_(frameTicks) {}

std::optional<RtpStreamRewriter::Mapped> RtpStreamRewriter::Rewrite(uint32_t source, uint16_t sequence,
                                                                    uint32_t timestamp,
                                                                    std::optional<uint32_t> elapsed) {
  if (!started_) {
    started_ = true;
    current_ = Begin(source, sequence, timestamp, firstSequence_, firstTimestamp_);
    return Map(sequence, timestamp);
  }

  if (source != current_.id) {
    if (previousId_ == source && !IsNewer(sequence, previousNewest_)) return std::nullopt;
    SwitchTo(source, sequence, timestamp, elapsed.value_or(frameTicks_));
    return Map(sequence, timestamp);
  }

  // Extend against the newest: a packet is at most half the space away.
  const int64_t extended = current_.newest + static_cast<int16_t>(sequence - static_cast<uint16_t>(current_.newest));
  if (extended < current_.first) return std::nullopt;
  if (extended > current_.newest) {
    current_.newest = extended;
    current_.newestTimestamp = timestamp;
  }
  return Map(sequence, timestamp);
}

void RtpStreamRewriter::SwitchTo(uint32_t source, uint16_t sequence, uint32_t timestamp, uint32_t elapsed) {
  const Mapped newest = *Newest();
  const uint16_t nextSequence = static_cast<uint16_t>(newest.sequence + 1);
  const uint32_t nextTimestamp = newest.timestamp + elapsed;
  previousId_ = current_.id;
  previousNewest_ = static_cast<uint16_t>(current_.newest);
  current_ = Begin(source, sequence, timestamp, nextSequence, nextTimestamp);
}

RtpStreamRewriter::Source RtpStreamRewriter::Begin(uint32_t source, uint16_t sequence, uint32_t timestamp,
                                                   uint16_t outSequence, uint32_t outTimestamp) {
  Source begun;
  begun.id = source;
  begun.sequenceOffset = static_cast<uint16_t>(outSequence - sequence);
  begun.timestampOffset = outTimestamp - timestamp;
  begun.first = begun.newest = sequence;
  begun.newestTimestamp = timestamp;
  return begun;
}

RtpStreamRewriter::Mapped RtpStreamRewriter::Map(uint16_t sequence, uint32_t timestamp) const {
  return Mapped{static_cast<uint16_t>(sequence + current_.sequenceOffset), timestamp + current_.timestampOffset};
}

std::optional<uint32_t> RtpStreamRewriter::MapTimestamp(uint32_t source, uint32_t timestamp) const {
  if (!started_ || source != current_.id) return std::nullopt;
  return timestamp + current_.timestampOffset;
}

std::optional<RtpStreamRewriter::Mapped> RtpStreamRewriter::Newest() const {
  if (!started_) return std::nullopt;
  return Map(static_cast<uint16_t>(current_.newest), current_.newestTimestamp);
}

}  // namespace plenum::mixer
