// How the server records rooms: the recording-* options, and the key that
// signs what is recorded.
#pragma once

#include <string>

namespace plenum::recorder {
class ArchiveKey;
}

namespace plenum::mcu {

struct RecordingPolicy {
  const recorder::ArchiveKey* key = nullptr;  // outlives every room
  std::string recordingsDir;
  int segmentSeconds = 600;
  bool automatic = false;  // every room from its first join
  bool required = false;   // no room runs unrecorded (and so implies automatic)
};

}  // namespace plenum::mcu
