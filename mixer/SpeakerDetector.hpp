// Picks the room's active speaker from per-participant frame levels.
//
// Levels are smoothed so a cough does not steal the floor, and a new
// speaker must stay loudest for a hold time before the change is reported,
// so clients are not flooded with `speaker` messages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace plenum::mixer {

class SpeakerDetector {
 public:
  struct Level {
    std::string participant;
    double meanSquare = 0.0;  // of one frame, full scale = 1.0
  };

  // `holdFrames`: how many consecutive frames a candidate must lead.
  explicit SpeakerDetector(int holdFrames = 15, double thresholdDbfs = -50.0)
      : holdFrames_(holdFrames), thresholdDbfs_(thresholdDbfs) {}

  // Feeds one frame of levels; returns the new speaker when it changed
  // (an empty string inside the optional means nobody is speaking).
  std::optional<std::string> Update(const std::vector<Level>& levels);

  const std::string& Current() const { return current_; }

 private:
  int holdFrames_;
  double thresholdDbfs_;
  std::map<std::string, double> smoothedDb_;
  std::string current_;
  std::string candidate_;
  int candidateFrames_ = 0;
};

}  // namespace plenum::mixer
