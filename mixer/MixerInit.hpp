#pragma once

#include <string>
#include <vector>

namespace plenum::mixer {

struct MissingElement {
  std::string factory;
  std::string package;  // the Debian package that ships it
};

// Initialises GStreamer and the mixer's debug category. Returns the
// element factories the media path needs but this system lacks (empty
// when everything is installed), so the daemon can refuse to start with a
// message naming the missing package instead of failing at first join.
std::vector<MissingElement> InitMixer();

}  // namespace plenum::mixer
