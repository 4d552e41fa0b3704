#include "mcu/RateMeter.hpp"

#include <algorithm>

namespace plenum::mcu {
namespace {

StreamRate RateOf(const StreamTotals& from, const StreamTotals& to, double seconds) {
  // Totals only grow; a smaller one is a stream that started again.
  if (to.packets < from.packets || to.bytes < from.bytes) return {};
  return StreamRate{static_cast<double>(to.packets - from.packets) / seconds,
                    static_cast<double>(to.bytes - from.bytes) * 8.0 / 1000.0 / seconds};
}

}  // namespace

MediaLoss LossOf(const MediaTotals& totals) {
  const auto percent = [](std::uint64_t lost, std::uint64_t of) {
    return of == 0 ? 0.0 : 100.0 * static_cast<double>(std::min(lost, of)) / static_cast<double>(of);
  };
  const std::uint64_t received = totals.audioIn.packets + totals.videoIn.packets;
  const std::uint64_t sent = totals.audioOut.packets + totals.videoOut.packets;
  return MediaLoss{{totals.lostIn, percent(totals.lostIn, totals.lostIn + received)},
                   {totals.lostOut, percent(totals.lostOut, sent)}};
}

void RateMeter::Sample(Clock::time_point at, const MediaTotals& totals) {
  samples_.push_back(Point{at, totals});
  // One sample older than the window is all a request can need.
  while (samples_.size() >= 2 && (at - samples_[1].at >= kWindow || samples_.size() > kMaxSamples))
    samples_.pop_front();
}

MediaRates RateMeter::Rates(Clock::time_point now, const MediaTotals& totals) const {
  const Point* from = nullptr;
  for (const Point& sample : samples_) {
    if (now - sample.at < kWindow) break;
    from = &sample;
  }
  if (!from && !samples_.empty()) from = &samples_.front();
  if (!from || now - from->at < kShortest) return {};
  const double seconds = std::chrono::duration<double>(now - from->at).count();
  return MediaRates{
      RateOf(from->totals.audioIn, totals.audioIn, seconds), RateOf(from->totals.videoIn, totals.videoIn, seconds),
      RateOf(from->totals.audioOut, totals.audioOut, seconds), RateOf(from->totals.videoOut, totals.videoOut, seconds)};
}

}  // namespace plenum::mcu
