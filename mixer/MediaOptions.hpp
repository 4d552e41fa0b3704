// Media settings of a room pipeline, filled from the server configuration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace plenum::mixer {

struct IceOptions {
  std::string stunServer;                   // "stun://host:port", empty for none
  std::vector<std::string> turnServers;     // "turn://user:pass@host:port"
  std::vector<std::string> localAddresses;  // gather only on these; empty = all interfaces
  std::string publicIp;                     // 1:1 NAT: also advertise host candidates with this address
  unsigned portMin = 0;                     // 0 = any
  unsigned portMax = 0;
  // Also passive ICE-TCP candidates (RFC 6544) on the same ports, for
  // browsers whose network blocks UDP; they pick UDP whenever it works.
  bool tcp = true;
};

struct MediaOptions {
  IceOptions ice;
  size_t mediaThreads = 0;  // 0 = one per core
  int speakers = 3;         // the loudest speakers decoded and mixed (K)
  // Jitter buffer depth on every incoming stream. Interactive talk wants
  // this small: loopback and LAN jitter is a few ms, and 50 ms absorbs
  // ordinary Wi-Fi bursts while staying well under the ~150 ms mouth-to-ear
  // budget. GStreamer's default of 200 ms is for playback, not talk.
  unsigned jitterLatencyMs = 50;
  int videoWidth = 1280;
  int videoHeight = 720;
  int videoFramerate = 30;
  int videoBitrate = 1'500'000;  // bits per second
  int keyframeIntervalSeconds = 2;
  int keyframeMinIntervalMs = 500;  // rate limit on requested keyframes
  int audioBitrate = 32'000;
  // libvpx's multithreaded VP8 encoder spin-waits between its row threads:
  // with 2 it burned a whole core even for an empty composite (bench/).
  int encoderThreads = 1;
};

}  // namespace plenum::mixer
