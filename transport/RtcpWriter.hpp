// Builds one compound RTCP packet (RFC 3550 §6.1) with GStreamer's
// GstRTCPBuffer: sender and receiver reports, SDES CNAME, and the feedback
// a WebRTC receiver sends: PLI, FIR, generic NACK and REMB.
//
// The order RFC 3550 requires is kept by refusing what would break it: SR
// and RR first, then SDES, then feedback. A compound without a report is
// what RFC 5506 calls reduced-size, which browsers accept once rtcp-rsize
// is negotiated; a full compound is the caller's to start with a report.
//
// Every Add either writes all of what it was given or, when the packet
// would outgrow maxSize (or the order forbids it), nothing, leaving the
// compound as it was; AddNack alone writes as many numbers as fit and says
// how many. One buffer over storage taken in the constructor is reused for
// every compound: no allocation per packet.
#pragma once

#include <gst/rtp/rtp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "transport/RtcpTypes.hpp"

namespace plenum::transport {

class RtcpWriter {
 public:
  // Room under the 1200-byte datagrams we send for SRTCP's 4-byte index
  // and 16-byte tag.
  static constexpr size_t kDefaultMaxSize = 1200 - 4 - 16;

  explicit RtcpWriter(size_t maxSize = kDefaultMaxSize);
  ~RtcpWriter();

  RtcpWriter(const RtcpWriter&) = delete;
  RtcpWriter& operator=(const RtcpWriter&) = delete;

  // Past 31 blocks (what the 5-bit count holds) the rest go into RR
  // packets from the same SSRC right behind, as RFC 3550 §6.4.2 says.
  bool AddSenderReport(const RtcpSenderInfo& info, std::span<const RtcpReportBlock> blocks);
  bool AddReceiverReport(uint32_t ssrc, std::span<const RtcpReportBlock> blocks);
  // One SDES packet with one chunk; at most 255 bytes of CNAME.
  bool AddSdesCname(uint32_t ssrc, std::string_view cname);
  bool AddPli(uint32_t senderSsrc, uint32_t mediaSsrc);
  // `sequenceNumber` must change for every new request and stay the same
  // for a repeat (RFC 5104 §4.3.1.1).
  bool AddFir(uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t sequenceNumber);
  // Packs `sequences` in their order into PID+BLP pairs: a number within 16
  // after the pair's PID joins it, any other starts a new pair, so an
  // ascending list packs tightest. Returns how many of `sequences` went in,
  // a leading part of them; the caller sends the rest in another compound.
  size_t AddNack(uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> sequences);
  // At most 255 SSRCs. The bitrate is rounded down to 18 bits of mantissa.
  bool AddRemb(uint32_t senderSsrc, uint64_t bitrate, std::span<const uint32_t> ssrcs);

  // Bytes written so far.
  size_t Size() const;
  // The compound, valid until the next Add; the next Add starts a new one.
  // Empty when nothing was added.
  std::span<const uint8_t> Finish();

 private:
  enum class Section { kEmpty, kReports, kSdes, kFeedback };

  // Opens a compound if none is open; false when `section` would come
  // after what the compound has already.
  bool Enter(Section section);
  bool AddBlocks(uint32_t reporterSsrc, GstRTCPPacket& packet, std::span<const RtcpReportBlock> blocks);
  bool AddFeedback(GstRTCPType type, GstRTCPFBType format, uint32_t senderSsrc, uint32_t mediaSsrc, uint16_t fciWords,
                   GstRTCPPacket& packet);
  // Removes every packet from byte `mark` on: what a failed Add began.
  void RollBack(size_t mark);

  // Owned.
  std::unique_ptr<uint8_t[]> storage_;
  GstBuffer* buffer_ = nullptr;  // wraps storage_, with no free function

  // Others.
  size_t maxSize_;
  GstRTCPBuffer rtcp_ = GST_RTCP_BUFFER_INIT;
  bool open_ = false;  // rtcp_ maps buffer_
  Section section_ = Section::kEmpty;
};

}  // namespace plenum::transport
