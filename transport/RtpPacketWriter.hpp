// Rewrites the header of one RTP packet in place, for forwarding: a packet
// leaves under the SSRC, sequence number, timestamp and payload type its
// receiver's stream needs (mixer::RtpStreamRewriter says which; a receiver
// may have negotiated its own payload type for the same codec), with the
// rest of its bytes untouched.
//
// GStreamer's GstRTPBuffer setters do the writing, on the caller's bytes
// wrapped writable, so the change is visible in them at once. A packet that
// does not parse (see RtpPacketView) gives an invalid writer whose setters
// do nothing.
//
// Cost: as RtpPacketView, one GstBuffer and one GstMemory from GLib's slice
// allocator per writer; no copy of the packet.
#pragma once

#include <gst/rtp/rtp.h>

#include <cstdint>
#include <span>

namespace plenum::transport {

class RtpPacketWriter {
 public:
  explicit RtpPacketWriter(std::span<uint8_t> packet);
  ~RtpPacketWriter();

  RtpPacketWriter(const RtpPacketWriter&) = delete;
  RtpPacketWriter& operator=(const RtpPacketWriter&) = delete;

  bool IsValid() const { return buffer_ != nullptr; }
  explicit operator bool() const { return IsValid(); }

  void SetSsrc(uint32_t ssrc);
  void SetSequenceNumber(uint16_t sequence);
  void SetTimestamp(uint32_t timestamp);
  // 7 bits; the marker bit beside it stays as it was.
  void SetPayloadType(uint8_t payloadType);

 private:
  // Owned: wraps the caller's bytes, with no free function.
  GstBuffer* buffer_ = nullptr;

  // Others.
  GstRTPBuffer rtp_ = GST_RTP_BUFFER_INIT;
};

}  // namespace plenum::transport
