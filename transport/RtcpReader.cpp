#include "transport/RtcpReader.hpp"

#include <bit>
#include <cstring>
#include <optional>

namespace plenum::transport {
namespace {

constexpr size_t kHeaderLength = 4;
constexpr size_t kSenderReportLength = 28;   // header, SSRC, sender info
constexpr size_t kReceiverReportLength = 8;  // header, SSRC
constexpr size_t kReportBlockLength = 24;
constexpr size_t kFeedbackHeaderLength = 12;  // header, sender and media SSRC
constexpr size_t kFirEntryLength = 8;
constexpr size_t kRembFixedLength = 8;  // "REMB", count, exponent and mantissa

// Enough for what a browser sends in one compound; more grows the lists
// once, and they keep that capacity.
constexpr size_t kTypicalEntries = 16;
constexpr size_t kTypicalSequences = 256;

// The packet's length without its padding; nullopt when the padding count
// (its last byte, RFC 3550 §6.4.1) is zero or eats into the fixed part.
std::optional<size_t> UnpaddedLength(GstRTCPPacket& packet, size_t fixedLength) {
  const size_t length = (static_cast<size_t>(gst_rtcp_packet_get_length(&packet)) + 1) * 4;
  if (!gst_rtcp_packet_get_padding(&packet)) return length;
  const uint8_t padding = packet.rtcp->map.data[packet.offset + length - 1];
  if (padding == 0 || padding > length - fixedLength) return std::nullopt;
  return length - padding;
}

// REMB: the bitrate is mantissa x 2^exponent; an exponent of up to 63 can
// push that past 64 bits, and saturating is the honest answer then.
uint64_t RembBitrate(uint32_t mantissa, uint8_t exponent) {
  if (mantissa == 0) return 0;
  if (exponent > std::countl_zero(static_cast<uint64_t>(mantissa))) return UINT64_MAX;
  return static_cast<uint64_t>(mantissa) << exponent;
}

}  // namespace

RtcpReader::RtcpReader(size_t capacity) : storage_(std::make_unique<uint8_t[]>(capacity)), capacity_(capacity) {
  buffer_ = gst_buffer_new_wrapped_full(GstMemoryFlags(0), storage_.get(), capacity_, 0, 0, nullptr, nullptr);
  senderReports_.reserve(kTypicalEntries);
  reportBlocks_.reserve(kTypicalEntries);
  plis_.reserve(kTypicalEntries);
  firs_.reserve(kTypicalEntries);
  nacks_.reserve(kTypicalEntries);
  nackRanges_.reserve(kTypicalEntries);
  rembs_.reserve(kTypicalEntries);
  rembRanges_.reserve(kTypicalEntries);
  nackSequences_.reserve(kTypicalSequences);
  rembSsrcs_.reserve(kTypicalEntries);
}

RtcpReader::~RtcpReader() { gst_buffer_unref(buffer_); }

void RtcpReader::Clear() {
  senderReports_.clear();
  reportBlocks_.clear();
  plis_.clear();
  firs_.clear();
  nacks_.clear();
  rembs_.clear();
  nackSequences_.clear();
  nackRanges_.clear();
  rembSsrcs_.clear();
  rembRanges_.clear();
}

bool RtcpReader::Read(std::span<const uint8_t> packet) {
  Clear();
  // Not even one header; GStreamer would also refuse to wrap zero bytes.
  if (packet.size() < kHeaderLength) return false;

  GstBuffer* buffer = buffer_;
  if (packet.size() <= capacity_) {
    std::memcpy(storage_.get(), packet.data(), packet.size());
    gst_buffer_set_size(buffer_, static_cast<gssize>(packet.size()));
  } else {
    buffer = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, const_cast<uint8_t*>(packet.data()), packet.size(),
                                         0, packet.size(), nullptr, nullptr);
  }

  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp);
  // Version, a first packet of a known type, and lengths that add up to
  // exactly the datagram; the reduced form lets the first packet be
  // feedback rather than a report.
  const bool valid = gst_rtcp_buffer_validate_data_reduced(rtcp.map.data, static_cast<guint>(rtcp.map.size));
  if (valid) ReadPackets(rtcp);
  gst_rtcp_buffer_unmap(&rtcp);
  if (buffer != buffer_) gst_buffer_unref(buffer);
  Resolve();
  return valid;
}

void RtcpReader::ReadPackets(GstRTCPBuffer& rtcp) {
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    if (type == GST_RTCP_TYPE_SR) {
      if (const auto length = UnpaddedLength(packet, kSenderReportLength)) ReadSenderReport(packet, *length);
    } else if (type == GST_RTCP_TYPE_RR) {
      if (const auto length = UnpaddedLength(packet, kReceiverReportLength)) ReadReceiverReport(packet, *length);
    } else if (type == GST_RTCP_TYPE_RTPFB || type == GST_RTCP_TYPE_PSFB) {
      const auto length = UnpaddedLength(packet, kFeedbackHeaderLength);
      if (!length) continue;
      // GStreamer has checked the header is there (12 bytes at least for
      // feedback); the FCI is whatever follows it, up to the padding.
      const size_t fciLength = *length - kFeedbackHeaderLength;
      const guint8* fci = fciLength > 0 ? gst_rtcp_packet_fb_get_fci(&packet) : nullptr;
      const std::span<const uint8_t> fciBytes =
          fci ? std::span<const uint8_t>(fci, fciLength) : std::span<const uint8_t>();
      const GstRTCPFBType format = gst_rtcp_packet_fb_get_type(&packet);
      if (type == GST_RTCP_TYPE_RTPFB) {
        if (format == GST_RTCP_RTPFB_TYPE_NACK) ReadNack(packet, fciBytes);
      } else if (format == GST_RTCP_PSFB_TYPE_PLI) {
        plis_.push_back(
            RtcpPli{gst_rtcp_packet_fb_get_sender_ssrc(&packet), gst_rtcp_packet_fb_get_media_ssrc(&packet)});
      } else if (format == GST_RTCP_PSFB_TYPE_FIR) {
        ReadFir(packet, fciBytes);
      } else if (format == GST_RTCP_PSFB_TYPE_AFB) {
        ReadRemb(packet, fciBytes);
      }
    }
  }
}

void RtcpReader::ReadSenderReport(GstRTCPPacket& packet, size_t length) {
  // GStreamer reads a block only within the buffer, not within the packet:
  // a count its length cannot hold is a broken packet, skipped whole.
  if (kSenderReportLength + gst_rtcp_packet_get_rb_count(&packet) * kReportBlockLength > length) return;
  RtcpSenderInfo info;
  gst_rtcp_packet_sr_get_sender_info(&packet, &info.ssrc, &info.ntpTime, &info.rtpTime, &info.packetCount,
                                     &info.octetCount);
  senderReports_.push_back(info);
  ReadBlocks(packet, info.ssrc);
}

void RtcpReader::ReadReceiverReport(GstRTCPPacket& packet, size_t length) {
  if (kReceiverReportLength + gst_rtcp_packet_get_rb_count(&packet) * kReportBlockLength > length) return;
  ReadBlocks(packet, gst_rtcp_packet_rr_get_ssrc(&packet));
}

void RtcpReader::ReadBlocks(GstRTCPPacket& packet, uint32_t reporterSsrc) {
  const guint count = gst_rtcp_packet_get_rb_count(&packet);
  for (guint nth = 0; nth < count; ++nth) {
    RtcpReceivedBlock received;
    received.reporterSsrc = reporterSsrc;
    RtcpReportBlock& block = received.block;
    gst_rtcp_packet_get_rb(&packet, nth, &block.ssrc, &block.fractionLost, &block.cumulativeLost,
                           &block.highestSequence, &block.jitter, &block.lastSr, &block.delaySinceLastSr);
    reportBlocks_.push_back(received);
  }
}

void RtcpReader::ReadNack(GstRTCPPacket& packet, std::span<const uint8_t> fci) {
  // RFC 4585 §6.2.1: one or more PID+BLP pairs; none is malformed.
  const size_t pairs = fci.size() / 4;
  if (pairs == 0) return;
  const size_t first = nackSequences_.size();
  for (size_t i = 0; i < pairs; ++i) {
    const uint16_t pid = GST_READ_UINT16_BE(fci.data() + 4 * i);
    const uint16_t blp = GST_READ_UINT16_BE(fci.data() + 4 * i + 2);
    nackSequences_.push_back(pid);
    for (unsigned bit = 0; bit < 16; ++bit) {
      if (blp & (1u << bit)) nackSequences_.push_back(static_cast<uint16_t>(pid + bit + 1));
    }
  }
  nacks_.push_back(
      RtcpNack{gst_rtcp_packet_fb_get_sender_ssrc(&packet), gst_rtcp_packet_fb_get_media_ssrc(&packet), {}});
  nackRanges_.push_back(Range{first, nackSequences_.size() - first});
}

void RtcpReader::ReadFir(GstRTCPPacket& packet, std::span<const uint8_t> fci) {
  // RFC 5104 §4.3.1.1: entries of SSRC, sequence number, 3 reserved bytes.
  if (fci.empty() || fci.size() % kFirEntryLength != 0) return;
  const uint32_t sender = gst_rtcp_packet_fb_get_sender_ssrc(&packet);
  for (size_t offset = 0; offset < fci.size(); offset += kFirEntryLength)
    firs_.push_back(RtcpFir{sender, GST_READ_UINT32_BE(fci.data() + offset), fci[offset + 4]});
}

void RtcpReader::ReadRemb(GstRTCPPacket& packet, std::span<const uint8_t> fci) {
  // Other application-layer feedback shares the format number; only the
  // "REMB" identifier says it is this one.
  if (fci.size() < kRembFixedLength || std::memcmp(fci.data(), "REMB", 4) != 0) return;
  const size_t count = fci[4];
  if (kRembFixedLength + 4 * count > fci.size()) return;
  const uint8_t exponent = fci[5] >> 2;
  const uint32_t mantissa = static_cast<uint32_t>(fci[5] & 0x03) << 16 | GST_READ_UINT16_BE(fci.data() + 6);
  const size_t first = rembSsrcs_.size();
  for (size_t i = 0; i < count; ++i) rembSsrcs_.push_back(GST_READ_UINT32_BE(fci.data() + kRembFixedLength + 4 * i));
  rembs_.push_back(RtcpRemb{gst_rtcp_packet_fb_get_sender_ssrc(&packet), RembBitrate(mantissa, exponent), {}});
  rembRanges_.push_back(Range{first, count});
}

void RtcpReader::Resolve() {
  for (size_t i = 0; i < nacks_.size(); ++i)
    nacks_[i].sequences = std::span<const uint16_t>(nackSequences_).subspan(nackRanges_[i].first, nackRanges_[i].count);
  for (size_t i = 0; i < rembs_.size(); ++i)
    rembs_[i].ssrcs = std::span<const uint32_t>(rembSsrcs_).subspan(rembRanges_[i].first, rembRanges_[i].count);
}

}  // namespace plenum::transport
