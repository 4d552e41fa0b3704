#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace plenum::test {

enum class VideoCodec { kVp8, kH264 };

const char* ToString(VideoCodec codec);

// What one test client sends and how it connects. Defaults give a client that
// sends a 440 Hz tone and a red picture in VP8, over loopback only.
struct MediaClientOptions {
  // Used in element names and diagnostics; any text.
  std::string name = "client";

  bool sendAudio = true;
  double toneHz = 440.0;
  double toneVolume = 0.25;  // low enough that a mix of several never clips
  // Send the RFC 6464 audio level in every packet (GStreamer's `level`
  // element measures, rtphdrextclientaudiolevel writes, as extension id 1),
  // as browsers do.
  bool sendAudioLevel = false;

  bool sendVideo = true;
  // Whether a client that sends no video still offers to receive it (the
  // composite); false makes it audio-only, as a phone-like client is.
  bool receiveVideo = true;
  VideoCodec videoCodec = VideoCodec::kVp8;
  // An H.264 sender normally offers VP8 too, to receive the room's VP8
  // composite; false makes it an H.264-only client (as some hardware and
  // older clients are), which receives H.264.
  bool receiveVp8 = true;
  std::uint32_t colourArgb = 0xFFFF0000;  // videotestsrc foreground-color
  int width = 320;
  int height = 240;
  int framerate = 15;

  // Sync marks in what it sends (testclient/SyncMarks.hpp): a 3 kHz burst
  // and a white picture at the same instant, once a second.
  bool syncMarks = false;

  // The only local address ICE may gather on. The test machines' other
  // interfaces are not to be used: all media stays on loopback.
  std::string iceAddress = "127.0.0.1";
  // Transports for host candidates: UDP, and ICE-TCP (RFC 6544; webrtcbin
  // gathers active ones, which connect to a peer's passive candidates).
  // UDP off and TCP on is a client behind a firewall that blocks UDP.
  bool iceUdp = true;
  bool iceTcp = false;

  // ICE servers as webrtcbin takes them: "stun://host:port",
  // "turn://user:pass@host:port" (empty: none).
  std::string stunServer;
  std::vector<std::string> turnServers;
  // Use what the server hands out in `joined.iceServers` instead, as a
  // browser does (RoomParticipant turns them into the two above).
  bool iceServersFromJoined = false;
  // Gather and use relay candidates only (webrtcbin's ice-transport-policy
  // "relay", libnice's force-relay): a client whose network lets nothing
  // through but its TURN server.
  bool relayOnly = false;

  // Jitterbuffer latency of webrtcbin; low so that tests see media quickly.
  std::chrono::milliseconds latency{50};
  // Ask for lost packets again (generic NACK, webrtcbin's do-nack), as
  // browsers do; webrtcbin's own default is not to.
  bool nack = false;

  // Whether to tell the peer when gathering has finished, with an empty
  // candidate, as browsers do.
  bool signalEndOfCandidates = true;
};

}  // namespace plenum::test
