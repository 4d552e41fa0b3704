#include "transport/PacketKind.hpp"

namespace plenum::transport {

PacketKind ClassifyPacket(const uint8_t* data, size_t length) {
  if (length == 0) return PacketKind::kUnknown;
  const uint8_t first = data[0];
  if (first <= 3) return length >= 20 ? PacketKind::kStun : PacketKind::kUnknown;
  if (first >= 20 && first <= 63) return length >= 13 ? PacketKind::kDtls : PacketKind::kUnknown;
  if (first >= 128 && first <= 191) {
    // Both need at least a fixed header; version 2 is what 128..191 means.
    if (length < 8) return PacketKind::kUnknown;
    // RTCP packet types 192..223 (SR 200, RR 201, SDES, BYE, APP, RTPFB 205,
    // PSFB 206, XR 207...) sit where RTP's marker bit plus payload types
    // 64..95 would; RFC 5761 keeps RTP payload types out of that range.
    const uint8_t second = data[1];
    if (second >= 192 && second <= 223) return PacketKind::kRtcp;
    return length >= 12 ? PacketKind::kRtp : PacketKind::kUnknown;
  }
  return PacketKind::kUnknown;
}

const char* ToString(PacketKind kind) {
  switch (kind) {
    case PacketKind::kStun: return "stun";
    case PacketKind::kDtls: return "dtls";
    case PacketKind::kRtp: return "rtp";
    case PacketKind::kRtcp: return "rtcp";
    case PacketKind::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace plenum::transport
