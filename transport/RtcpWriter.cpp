#include "transport/RtcpWriter.hpp"

#include <algorithm>
#include <cstring>

namespace plenum::transport {
namespace {

// Header, sender SSRC and media SSRC (RFC 4585 §6.1).
constexpr size_t kFeedbackHeaderLength = 12;
constexpr size_t kMaxCnameLength = 255;
// An SDES packet's header, its one chunk's SSRC, the item's type and length.
constexpr size_t kSdesFixedLength = 4 + 4 + 2;
constexpr size_t kMaxRembSsrcs = 255;
// A NACK pair covers its PID and the 16 numbers after it.
constexpr uint16_t kBlpBits = 16;
// REMB's mantissa field.
constexpr uint64_t kRembMantissaLimit = uint64_t{1} << 18;

// The wire field is 24 bits signed; a count past it is reported as its
// limit rather than wrapped into a nonsense value.
int32_t ClampCumulativeLost(int32_t lost) { return std::clamp(lost, -0x800000, 0x7fffff); }

}  // namespace

RtcpWriter::RtcpWriter(size_t maxSize) : storage_(std::make_unique<uint8_t[]>(maxSize)), maxSize_(maxSize) {
  buffer_ = gst_buffer_new_wrapped_full(GstMemoryFlags(0), storage_.get(), maxSize_, 0, 0, nullptr, nullptr);
}

RtcpWriter::~RtcpWriter() {
  if (open_) gst_rtcp_buffer_unmap(&rtcp_);
  gst_buffer_unref(buffer_);
}

bool RtcpWriter::Enter(Section section) {
  if (!open_) {
    // GstRTCPBuffer leaves the padding after an SDES item and any unused
    // FCI as it finds it: it must find zeros, as gst_rtcp_buffer_new's
    // fresh memory would give it.
    std::memset(storage_.get(), 0, maxSize_);
    gst_buffer_set_size(buffer_, 0);
    gst_rtcp_buffer_map(buffer_, GST_MAP_READWRITE, &rtcp_);
    open_ = true;
    section_ = Section::kEmpty;
  }
  return section >= section_;
}

size_t RtcpWriter::Size() const { return open_ ? rtcp_.map.size : 0; }

std::span<const uint8_t> RtcpWriter::Finish() {
  if (!open_) return {};
  // Unmapping sets the buffer's size to what the packets took.
  gst_rtcp_buffer_unmap(&rtcp_);
  open_ = false;
  return {storage_.get(), gst_buffer_get_size(buffer_)};
}

void RtcpWriter::RollBack(size_t mark) {
  const size_t before = rtcp_.map.size;
  GstRTCPPacket packet;
  if (gst_rtcp_buffer_get_first_packet(&rtcp_, &packet)) {
    bool found = true;
    while (found && packet.offset < mark) found = gst_rtcp_packet_move_to_next(&packet);
    if (found) {
      while (gst_rtcp_packet_remove(&packet)) {
      }
    }
  }
  if (rtcp_.map.size < before) std::memset(storage_.get() + rtcp_.map.size, 0, before - rtcp_.map.size);
}

bool RtcpWriter::AddBlocks(uint32_t reporterSsrc, GstRTCPPacket& packet, std::span<const RtcpReportBlock> blocks) {
  size_t inPacket = 0;
  for (const RtcpReportBlock& block : blocks) {
    if (inPacket == GST_RTCP_MAX_RB_COUNT) {
      if (!gst_rtcp_buffer_add_packet(&rtcp_, GST_RTCP_TYPE_RR, &packet)) return false;
      gst_rtcp_packet_rr_set_ssrc(&packet, reporterSsrc);
      inPacket = 0;
    }
    if (!gst_rtcp_packet_add_rb(&packet, block.ssrc, block.fractionLost, ClampCumulativeLost(block.cumulativeLost),
                                block.highestSequence, block.jitter, block.lastSr, block.delaySinceLastSr))
      return false;
    ++inPacket;
  }
  return true;
}

bool RtcpWriter::AddSenderReport(const RtcpSenderInfo& info, std::span<const RtcpReportBlock> blocks) {
  if (!Enter(Section::kReports)) return false;
  const size_t mark = rtcp_.map.size;
  GstRTCPPacket packet;
  if (!gst_rtcp_buffer_add_packet(&rtcp_, GST_RTCP_TYPE_SR, &packet)) return false;
  gst_rtcp_packet_sr_set_sender_info(&packet, info.ssrc, info.ntpTime, info.rtpTime, info.packetCount, info.octetCount);
  if (!AddBlocks(info.ssrc, packet, blocks)) {
    RollBack(mark);
    return false;
  }
  section_ = Section::kReports;
  return true;
}

bool RtcpWriter::AddReceiverReport(uint32_t ssrc, std::span<const RtcpReportBlock> blocks) {
  if (!Enter(Section::kReports)) return false;
  const size_t mark = rtcp_.map.size;
  GstRTCPPacket packet;
  if (!gst_rtcp_buffer_add_packet(&rtcp_, GST_RTCP_TYPE_RR, &packet)) return false;
  gst_rtcp_packet_rr_set_ssrc(&packet, ssrc);
  if (!AddBlocks(ssrc, packet, blocks)) {
    RollBack(mark);
    return false;
  }
  section_ = Section::kReports;
  return true;
}

bool RtcpWriter::AddSdesCname(uint32_t ssrc, std::string_view cname) {
  if (cname.size() > kMaxCnameLength || !Enter(Section::kSdes)) return false;
  const size_t mark = rtcp_.map.size;
  // GStreamer 1.22's gst_rtcp_packet_sdes_add_item checks its room against
  // the item's offset within the SDES packet, not within the buffer, and so
  // writes past maxSize when the packet starts near the end (fixed upstream
  // in f69b720e2e, "Make sure to check for enough available space when
  // adding SDES items"). The whole packet's room is checked here instead:
  // header, SSRC, type, length, the CNAME and its null, to the next word.
  // Strictly less, as gst_rtcp_packet_sdes_add_entry wants it.
  const size_t length = (kSdesFixedLength + cname.size() + 1 + 3) & ~size_t{3};
  if (mark + length >= maxSize_) return false;
  GstRTCPPacket packet;
  if (!gst_rtcp_buffer_add_packet(&rtcp_, GST_RTCP_TYPE_SDES, &packet)) return false;
  const auto* data = reinterpret_cast<const guint8*>(cname.empty() ? "" : cname.data());
  if (!gst_rtcp_packet_sdes_add_item(&packet, ssrc) ||
      !gst_rtcp_packet_sdes_add_entry(&packet, GST_RTCP_SDES_CNAME, static_cast<guint8>(cname.size()), data)) {
    RollBack(mark);
    return false;
  }
  section_ = Section::kSdes;
  return true;
}

bool RtcpWriter::AddFeedback(GstRTCPType type, GstRTCPFBType format, uint32_t senderSsrc, uint32_t mediaSsrc,
                             uint16_t fciWords, GstRTCPPacket& packet) {
  if (!Enter(Section::kFeedback)) return false;
  const size_t mark = rtcp_.map.size;
  if (!gst_rtcp_buffer_add_packet(&rtcp_, type, &packet)) return false;
  gst_rtcp_packet_fb_set_type(&packet, format);
  gst_rtcp_packet_fb_set_sender_ssrc(&packet, senderSsrc);
  gst_rtcp_packet_fb_set_media_ssrc(&packet, mediaSsrc);
  if (fciWords > 0 && !gst_rtcp_packet_fb_set_fci_length(&packet, fciWords)) {
    RollBack(mark);
    return false;
  }
  section_ = Section::kFeedback;
  return true;
}

bool RtcpWriter::AddPli(uint32_t senderSsrc, uint32_t mediaSsrc) {
  GstRTCPPacket packet;
  return AddFeedback(GST_RTCP_TYPE_PSFB, GST_RTCP_PSFB_TYPE_PLI, senderSsrc, mediaSsrc, 0, packet);
}

bool RtcpWriter::AddFir(uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t sequenceNumber) {
  // RFC 5104 §4.3.1.2: the header's media SSRC is unused (0); the target
  // is in the FCI entry: SSRC, sequence number, 3 reserved bytes.
  GstRTCPPacket packet;
  if (!AddFeedback(GST_RTCP_TYPE_PSFB, GST_RTCP_PSFB_TYPE_FIR, senderSsrc, 0, 2, packet)) return false;
  guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
  GST_WRITE_UINT32_BE(fci, mediaSsrc);
  fci[4] = sequenceNumber;
  return true;
}

size_t RtcpWriter::AddNack(uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> sequences) {
  if (sequences.empty() || !Enter(Section::kFeedback)) return 0;

  // How many pairs fit, then how many of the numbers those pairs carry.
  const size_t room = rtcp_.map.maxsize - rtcp_.map.size;
  if (room <= kFeedbackHeaderLength) return 0;
  const size_t maxPairs = std::min<size_t>((room - kFeedbackHeaderLength) / 4, UINT16_MAX - 2);
  size_t pairs = 0;
  size_t taken = 0;
  uint16_t pid = 0;
  for (const uint16_t sequence : sequences) {
    if (pairs == 0 || static_cast<uint16_t>(sequence - pid) > kBlpBits) {
      if (pairs == maxPairs) break;
      pid = sequence;
      ++pairs;
    }
    ++taken;
  }

  GstRTCPPacket packet;
  if (!AddFeedback(GST_RTCP_TYPE_RTPFB, GST_RTCP_RTPFB_TYPE_NACK, senderSsrc, mediaSsrc, static_cast<uint16_t>(pairs),
                   packet))
    return 0;
  guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
  uint16_t blp = 0;
  size_t written = 0;
  for (size_t i = 0; i < taken; ++i) {
    const uint16_t sequence = sequences[i];
    const uint16_t distance = static_cast<uint16_t>(sequence - pid);
    if (i == 0 || distance > kBlpBits) {
      if (i > 0) {
        GST_WRITE_UINT16_BE(fci + 4 * written, pid);
        GST_WRITE_UINT16_BE(fci + 4 * written + 2, blp);
        ++written;
      }
      pid = sequence;
      blp = 0;
    } else if (distance > 0) {
      blp |= static_cast<uint16_t>(1u << (distance - 1));
    }
  }
  GST_WRITE_UINT16_BE(fci + 4 * written, pid);
  GST_WRITE_UINT16_BE(fci + 4 * written + 2, blp);
  return taken;
}

bool RtcpWriter::AddRemb(uint32_t senderSsrc, uint64_t bitrate, std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > kMaxRembSsrcs) return false;
  uint8_t exponent = 0;
  while (bitrate >= kRembMantissaLimit) {
    bitrate >>= 1;
    ++exponent;
  }
  const auto mantissa = static_cast<uint32_t>(bitrate);

  // "REMB", the SSRC count, 6 bits of exponent and 18 of mantissa, the SSRCs.
  GstRTCPPacket packet;
  if (!AddFeedback(GST_RTCP_TYPE_PSFB, GST_RTCP_PSFB_TYPE_AFB, senderSsrc, 0, static_cast<uint16_t>(2 + ssrcs.size()),
                   packet))
    return false;
  guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
  std::memcpy(fci, "REMB", 4);
  fci[4] = static_cast<guint8>(ssrcs.size());
  fci[5] = static_cast<guint8>(exponent << 2 | mantissa >> 16);
  GST_WRITE_UINT16_BE(fci + 6, mantissa & 0xffff);
  for (size_t i = 0; i < ssrcs.size(); ++i) GST_WRITE_UINT32_BE(fci + 8 + 4 * i, ssrcs[i]);
  return true;
}

}  // namespace plenum::transport
