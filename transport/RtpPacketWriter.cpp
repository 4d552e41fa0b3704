#include "transport/RtpPacketWriter.hpp"

namespace plenum::transport {
namespace {

constexpr size_t kFixedHeaderLength = 12;

}  // namespace

RtpPacketWriter::RtpPacketWriter(std::span<uint8_t> packet) {
  if (packet.size() < kFixedHeaderLength) return;
  // Writable memory held only by this fresh buffer: a write map of it is
  // the caller's bytes themselves, not a copy GStreamer would make for
  // shared or read-only memory.
  GstBuffer* buffer =
      gst_buffer_new_wrapped_full(GstMemoryFlags(0), packet.data(), packet.size(), 0, packet.size(), nullptr, nullptr);
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp_)) {
    gst_buffer_unref(buffer);
    rtp_ = GST_RTP_BUFFER_INIT;
    return;
  }
  buffer_ = buffer;
}

RtpPacketWriter::~RtpPacketWriter() {
  if (!buffer_) return;
  gst_rtp_buffer_unmap(&rtp_);
  gst_buffer_unref(buffer_);
}

void RtpPacketWriter::SetSsrc(uint32_t ssrc) {
  if (IsValid()) gst_rtp_buffer_set_ssrc(&rtp_, ssrc);
}

void RtpPacketWriter::SetSequenceNumber(uint16_t sequence) {
  if (IsValid()) gst_rtp_buffer_set_seq(&rtp_, sequence);
}

void RtpPacketWriter::SetTimestamp(uint32_t timestamp) {
  if (IsValid()) gst_rtp_buffer_set_timestamp(&rtp_, timestamp);
}

void RtpPacketWriter::SetPayloadType(uint8_t payloadType) {
  // GStreamer asserts on a value past 7 bits rather than masking it.
  if (IsValid() && payloadType <= 0x7f) gst_rtp_buffer_set_payload_type(&rtp_, payloadType);
}

}  // namespace plenum::transport
