#include "mixer/SpeakerDetector.hpp"

#include <cmath>

namespace plenum::mixer {
namespace {

constexpr double kFloorDb = -100.0;
// Exponential smoothing per 20 ms frame: about 100 ms to follow a change.
constexpr double kSmoothing = 0.2;
// A challenger must be this much louder than a still-talking speaker to
// take the floor, so two equally loud people do not flip it back and forth.
constexpr double kSwitchMarginDb = 6.0;

double ToDb(double meanSquare) { return meanSquare > 1e-10 ? 10.0 * std::log10(meanSquare) : kFloorDb; }

}  // namespace

std::optional<std::string> SpeakerDetector::Update(const std::vector<Level>& levels) {
  std::map<std::string, double> next;
  std::string loudest;
  double loudestDb = thresholdDbfs_;
  for (const Level& level : levels) {
    auto previous = smoothedDb_.find(level.participant);
    const double before = previous == smoothedDb_.end() ? kFloorDb : previous->second;
    const double smoothed = before + kSmoothing * (ToDb(level.meanSquare) - before);
    next[level.participant] = smoothed;
    if (smoothed > loudestDb) {
      loudestDb = smoothed;
      loudest = level.participant;
    }
  }
  if (auto current = next.find(current_);
      current != next.end() && current->second > thresholdDbfs_ && loudestDb < current->second + kSwitchMarginDb) {
    loudest = current_;
  }
  smoothedDb_ = std::move(next);

  if (loudest == current_) {
    candidateFrames_ = 0;
    return std::nullopt;
  }
  if (loudest != candidate_) {
    candidate_ = loudest;
    candidateFrames_ = 0;
  }
  // A speaker who left the room is dropped at once.
  const bool currentGone = !current_.empty() && !smoothedDb_.contains(current_);
  if (++candidateFrames_ < holdFrames_ && !currentGone) return std::nullopt;
  current_ = candidate_;
  candidateFrames_ = 0;
  return current_;
}

}  // namespace plenum::mixer
