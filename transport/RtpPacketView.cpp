#include "transport/RtpPacketView.hpp"

#include <utility>

namespace plenum::transport {
namespace {

// Below a fixed header nothing can parse; checked before wrapping so junk
// costs no allocation (and GStreamer refuses to wrap zero bytes anyway).
constexpr size_t kFixedHeaderLength = 12;

// RFC 8285 §4.2: ids 1..14; 0 is padding and 15 ends the block.
constexpr uint8_t kFirstOneByteId = 1;
constexpr uint8_t kLastOneByteId = 14;

}  // namespace

RtpPacketView::RtpPacketView(std::span<const uint8_t> packet) {
  if (packet.size() < kFixedHeaderLength) return;
  // Read-only memory: GStreamer never writes through it, so casting the
  // const away for the wrap is safe.
  GstBuffer* buffer = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, const_cast<uint8_t*>(packet.data()),
                                                  packet.size(), 0, packet.size(), nullptr, nullptr);
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp_)) {
    gst_buffer_unref(buffer);
    rtp_ = GST_RTP_BUFFER_INIT;
    return;
  }
  buffer_ = buffer;
}

RtpPacketView::~RtpPacketView() { Release(); }

RtpPacketView::RtpPacketView(RtpPacketView&& other) noexcept
    : buffer_(std::exchange(other.buffer_, nullptr)), rtp_(std::exchange(other.rtp_, GST_RTP_BUFFER_INIT)) {}

RtpPacketView& RtpPacketView::operator=(RtpPacketView&& other) noexcept {
  if (this != &other) {
    Release();
    buffer_ = std::exchange(other.buffer_, nullptr);
    rtp_ = std::exchange(other.rtp_, GST_RTP_BUFFER_INIT);
  }
  return *this;
}

void RtpPacketView::Release() {
  if (!buffer_) return;
  // The map info refers to the buffer's memory: unmap before the unref.
  gst_rtp_buffer_unmap(&rtp_);
  gst_buffer_unref(buffer_);
  buffer_ = nullptr;
  rtp_ = GST_RTP_BUFFER_INIT;
}

uint32_t RtpPacketView::Ssrc() const { return IsValid() ? gst_rtp_buffer_get_ssrc(&rtp_) : 0; }

uint16_t RtpPacketView::SequenceNumber() const { return IsValid() ? gst_rtp_buffer_get_seq(&rtp_) : 0; }

uint32_t RtpPacketView::Timestamp() const { return IsValid() ? gst_rtp_buffer_get_timestamp(&rtp_) : 0; }

uint8_t RtpPacketView::PayloadType() const { return IsValid() ? gst_rtp_buffer_get_payload_type(&rtp_) : 0; }

bool RtpPacketView::Marker() const { return IsValid() && gst_rtp_buffer_get_marker(&rtp_); }

size_t RtpPacketView::HeaderLength() const { return IsValid() ? gst_rtp_buffer_get_header_len(&rtp_) : 0; }

std::span<const uint8_t> RtpPacketView::Payload() const {
  if (!IsValid()) return {};
  const guint length = gst_rtp_buffer_get_payload_len(&rtp_);
  if (length == 0) return {};
  return {static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp_)), length};
}

std::optional<std::span<const uint8_t>> RtpPacketView::OneByteExtension(uint8_t id) const {
  // GStreamer answers an id outside 1..14 with a critical warning.
  if (!IsValid() || id < kFirstOneByteId || id > kLastOneByteId) return std::nullopt;
  gpointer data = nullptr;
  guint size = 0;
  if (!gst_rtp_buffer_get_extension_onebyte_header(&rtp_, id, 0, &data, &size)) return std::nullopt;
  return std::span<const uint8_t>(static_cast<const uint8_t*>(data), size);
}

}  // namespace plenum::transport
