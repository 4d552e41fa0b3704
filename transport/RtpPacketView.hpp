// A read-only look at one RTP packet in someone else's bytes: the header
// fields the transport routes and rewrites by, the payload, and RFC 8285
// one-byte header extensions (RFC 6464 audio level, the BUNDLE mid).
//
// GStreamer's GstRTPBuffer does the parsing, so what we accept is what the
// rest of the pipeline accepts. The bytes are wrapped, not copied; they
// must outlive the view, and every span it returns points into them. A
// packet that does not parse (short, not version 2, an RTCP type, CSRCs,
// extension or padding running past the end) gives an invalid view whose
// getters return zeros and empty spans, so callers on the packet path can
// feed it anything a socket delivers.
//
// Cost: wrapping allocates a GstBuffer and a GstMemory per view, from
// GLib's slice allocator (no operator new); everything after that reads
// the mapped bytes in place.
#pragma once

#include <gst/rtp/rtp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace plenum::transport {

class RtpPacketView {
 public:
  explicit RtpPacketView(std::span<const uint8_t> packet);
  ~RtpPacketView();

  // Movable so a parse can be returned; the wrapped buffer goes with it.
  RtpPacketView(RtpPacketView&& other) noexcept;
  RtpPacketView& operator=(RtpPacketView&& other) noexcept;
  RtpPacketView(const RtpPacketView&) = delete;
  RtpPacketView& operator=(const RtpPacketView&) = delete;

  bool IsValid() const { return buffer_ != nullptr; }
  explicit operator bool() const { return IsValid(); }

  uint32_t Ssrc() const;
  uint16_t SequenceNumber() const;
  uint32_t Timestamp() const;
  uint8_t PayloadType() const;
  bool Marker() const;
  // Fixed header, CSRCs and header extension: where the payload starts.
  size_t HeaderLength() const;
  // Without the padding.
  std::span<const uint8_t> Payload() const;
  // The first element with `id` (1..14) of a one-byte-form extension
  // block; nullopt when there is none, the block uses the two-byte form,
  // or `id` is outside what the one-byte form can carry.
  std::optional<std::span<const uint8_t>> OneByteExtension(uint8_t id) const;

 private:
  void Release();

  // Owned: wraps the caller's bytes, with no free function.
  GstBuffer* buffer_ = nullptr;

  // Others. GstRTPBuffer's getters take a non-const pointer even to read.
  mutable GstRTPBuffer rtp_ = GST_RTP_BUFFER_INIT;
};

}  // namespace plenum::transport
