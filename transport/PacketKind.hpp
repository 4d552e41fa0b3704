// What a datagram on a WebRTC 5-tuple is, from its first two bytes:
// RFC 7983's first-byte ranges (STUN, DTLS, RTP/RTCP) and, within RTP,
// RFC 5761's payload-type ranges for RTCP on a muxed port.
#pragma once

#include <cstddef>
#include <cstdint>

namespace plenum::transport {

enum class PacketKind { kStun, kDtls, kRtp, kRtcp, kUnknown };

PacketKind ClassifyPacket(const uint8_t* data, size_t length);

const char* ToString(PacketKind kind);

}  // namespace plenum::transport
