// How the server rebroadcasts rooms: the broadcast-* and hls-* options.
#pragma once

#include <string>

namespace plenum::mcu {

struct BroadcastPolicy {
  std::string hlsDir;  // <data-dir>/hls: a directory per room with an HLS broadcast
  int videoBitrateKbps = 2500;
  std::string preset = "veryfast";  // x264's speed preset
  int audioBitrate = 128'000;
  int hlsSegmentSeconds = 2;  // also the keyframe interval of every output
  int hlsPlaylistLength = 6;  // segments in the live playlist
};

}  // namespace plenum::mcu
