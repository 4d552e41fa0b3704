// Reads one compound (or RFC 5506 reduced-size) RTCP packet into lists of
// what the transport acts on: sender reports and report blocks (for RTT,
// LSR/DLSR), PLI and FIR (a keyframe), generic NACK (what to resend) and
// REMB (how much to send).
//
// GStreamer's GstRTCPBuffer validates the compound and walks its packets;
// a packet that GStreamer passes but whose own counts do not fit its
// length (report blocks, FCI entries, SSRC lists, padding) is skipped
// alone. GstRTCPBuffer has no accessors for the FCI of NACK, FIR and REMB,
// so those bytes are read with its byte macros from the FCI it locates.
// Anything else (SDES, BYE, APP, XR, transport-wide feedback) is passed
// over.
//
// The packet is copied into a buffer the reader reuses, and the lists keep
// their capacity between reads, so a steady stream of packets allocates
// nothing; a packet larger than the buffer is wrapped instead, which costs
// a GstBuffer and a GstMemory from GLib's slice allocator.
#pragma once

#include <gst/rtp/rtp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "transport/RtcpTypes.hpp"

namespace plenum::transport {

class RtcpReader {
 public:
  static constexpr size_t kDefaultCapacity = 1500;

  explicit RtcpReader(size_t capacity = kDefaultCapacity);
  ~RtcpReader();

  RtcpReader(const RtcpReader&) = delete;
  RtcpReader& operator=(const RtcpReader&) = delete;

  // False, with every list empty, when the bytes are not an RTCP compound.
  // What it returns stays valid until the next Read.
  bool Read(std::span<const uint8_t> packet);

  std::span<const RtcpSenderInfo> SenderReports() const { return senderReports_; }
  std::span<const RtcpReceivedBlock> ReportBlocks() const { return reportBlocks_; }
  std::span<const RtcpPli> Plis() const { return plis_; }
  std::span<const RtcpFir> Firs() const { return firs_; }
  std::span<const RtcpNack> Nacks() const { return nacks_; }
  std::span<const RtcpRemb> Rembs() const { return rembs_; }

 private:
  // Where a NACK's or REMB's list lies in the shared storage, until that
  // storage has stopped growing and spans into it can be handed out.
  struct Range {
    size_t first = 0;
    size_t count = 0;
  };

  void Clear();
  void ReadPackets(GstRTCPBuffer& rtcp);
  void ReadSenderReport(GstRTCPPacket& packet, size_t length);
  void ReadReceiverReport(GstRTCPPacket& packet, size_t length);
  void ReadBlocks(GstRTCPPacket& packet, uint32_t reporterSsrc);
  void ReadNack(GstRTCPPacket& packet, std::span<const uint8_t> fci);
  void ReadFir(GstRTCPPacket& packet, std::span<const uint8_t> fci);
  void ReadRemb(GstRTCPPacket& packet, std::span<const uint8_t> fci);
  void Resolve();

  // Owned.
  std::unique_ptr<uint8_t[]> storage_;
  GstBuffer* buffer_ = nullptr;  // wraps storage_, with no free function

  // Others.
  size_t capacity_;
  std::vector<RtcpSenderInfo> senderReports_;
  std::vector<RtcpReceivedBlock> reportBlocks_;
  std::vector<RtcpPli> plis_;
  std::vector<RtcpFir> firs_;
  std::vector<RtcpNack> nacks_;
  std::vector<RtcpRemb> rembs_;
  std::vector<uint16_t> nackSequences_;
  std::vector<Range> nackRanges_;
  std::vector<uint32_t> rembSsrcs_;
  std::vector<Range> rembRanges_;
};

}  // namespace plenum::transport
