#include "transport/RtcpSession.hpp"

#include <glib.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "transport/Log.hpp"

namespace plenum::transport {
namespace {

// The lengths on the wire of what a report holds (RFC 3550 §6.4, RFC 4585
// §6.1, draft-alvestrand-rmcat-remb §2.2).
constexpr size_t kSenderReportLength = 28;  // header, SSRC, sender info
constexpr size_t kReportBlockLength = 24;
// Header, SSRC, CNAME's type and length, the name, its null, to a word.
constexpr size_t kMaxSdesLength = (4 + 4 + 2 + RtcpSession::kMaxCnameLength + 1 + 3) & ~size_t{3};
// Feedback header, "REMB", count, exponent and mantissa, the SSRCs.
constexpr size_t kMaxRembLength = 12 + 8 + 4 * RtcpSession::kMaxIncomingSsrcs;
// Every outgoing SSRC an SR, every incoming one a block.
constexpr size_t kMaxReportLength = RtcpSession::kMaxOutgoingSsrcs * kSenderReportLength +
                                    RtcpSession::kMaxIncomingSsrcs * kReportBlockLength + kMaxSdesLength +
                                    kMaxRembLength;
// RtcpWriter wants the SDES strictly inside its room.
static_assert(kMaxReportLength < RtcpWriter::kDefaultMaxSize, "a report must fit one packet");

uint64_t ToMs(int64_t us) { return static_cast<uint64_t>(std::max<int64_t>(us, 0)) / 1000; }

// NackGenerator takes whole milliseconds, 0 meaning unknown: a round trip
// under half a millisecond (a LAN) is 1 ms.
uint32_t ToRttMs(int64_t us) { return static_cast<uint32_t>(std::clamp<int64_t>((us + 500) / 1000, 1, UINT32_MAX)); }

}  // namespace

RtcpSession::RtcpSession(Config config, int64_t nowUs)
    : config_(std::move(config)), random_(config_.randomSeed.value_or(g_random_int())) {
  InitTransportLog();
  if (config_.cname.size() > kMaxCnameLength) throw std::invalid_argument("rtcp cname longer than 255 bytes");
  if (config_.reportIntervalUs <= 0) throw std::invalid_argument("rtcp report interval not positive");
  incoming_.reserve(kMaxIncomingSsrcs);
  outgoing_.reserve(kMaxOutgoingSsrcs);
  nextReportUs_ = nowUs + RandomizedIntervalUs();
}

RtcpSession::~RtcpSession() = default;

int64_t RtcpSession::RandomizedIntervalUs() {
  // RFC 3550 §6.3.1: uniformly 0.5..1.5 of the interval.
  constexpr double kRange = static_cast<double>(std::minstd_rand::max() - std::minstd_rand::min());
  const double draw = static_cast<double>(random_() - std::minstd_rand::min()) / kRange;
  return static_cast<int64_t>(static_cast<double>(config_.reportIntervalUs) * (0.5 + draw));
}

RtcpSession::IncomingStream* RtcpSession::FindIncoming(uint32_t ssrc) const {
  for (const auto& stream : incoming_) {
    if (stream->statistics.Ssrc() == ssrc) return stream.get();
  }
  return nullptr;
}

RtcpSession::OutgoingStream* RtcpSession::FindOutgoing(uint32_t ssrc) const {
  for (const auto& stream : outgoing_) {
    if (stream->statistics.Ssrc() == ssrc) return stream.get();
  }
  return nullptr;
}

const ReceiveStatistics* RtcpSession::Incoming(uint32_t ssrc) const {
  const IncomingStream* stream = FindIncoming(ssrc);
  return stream ? &stream->statistics : nullptr;
}

const SendStatistics* RtcpSession::Outgoing(uint32_t ssrc) const {
  const OutgoingStream* stream = FindOutgoing(ssrc);
  return stream ? &stream->statistics : nullptr;
}

void RtcpSession::OnIncomingRtp(uint32_t ssrc, uint32_t clockRate, uint16_t sequence, uint32_t rtpTimestamp, bool nack,
                                int64_t nowUs) {
  IncomingStream* stream = FindIncoming(ssrc);
  if (!stream) {
    if (incoming_.size() == kMaxIncomingSsrcs) {
      if (counters_.ignoredIncomingPackets++ == 0) GST_DEBUG("ignore incoming-ssrc [ssrc:%u] (too many)", ssrc);
      return;
    }
    GST_DEBUG("add incoming-ssrc [ssrc:%u clock-rate:%u nack:%d]", ssrc, clockRate, nack);
    stream = incoming_.emplace_back(std::make_unique<IncomingStream>(ssrc, clockRate)).get();
  }
  stream->statistics.OnPacket(sequence, rtpTimestamp, nowUs);
  stream->heard = true;
  if (!nack) return;

  if (!stream->nack) {
    stream->nack = std::make_unique<NackGenerator>(ssrc, config_.nack);
    if (roundTripUs_) stream->nack->SetRtt(ToRttMs(*roundTripUs_));
  }
  const NackGenerator::Arrival arrival = stream->nack->OnPacket(sequence, ToMs(nowUs));
  if (arrival == NackGenerator::Arrival::kOverflow || arrival == NackGenerator::Arrival::kRestart) {
    GST_DEBUG("want keyframe [ssrc:%u sequence:%u arrival:%s]", ssrc, sequence, NackGenerator::ToString(arrival));
  }
}

void RtcpSession::OnOutgoingRtp(uint32_t ssrc, uint32_t clockRate, uint32_t rtpTimestamp, size_t payloadSize,
                                bool retransmission, int64_t nowUs) {
  OutgoingStream* stream = FindOutgoing(ssrc);
  if (!stream) {
    if (outgoing_.size() == kMaxOutgoingSsrcs) {
      if (counters_.ignoredOutgoingPackets++ == 0) GST_DEBUG("ignore outgoing-ssrc [ssrc:%u] (too many)", ssrc);
      return;
    }
    GST_DEBUG("add outgoing-ssrc [ssrc:%u clock-rate:%u]", ssrc, clockRate);
    stream = outgoing_.emplace_back(std::make_unique<OutgoingStream>(ssrc, clockRate)).get();
  }
  if (retransmission) {
    stream->statistics.OnRetransmission(payloadSize);
  } else {
    stream->statistics.OnPacket(rtpTimestamp, payloadSize, nowUs);
    stream->timed = true;
  }
  stream->sent = true;
}

void RtcpSession::OnIncomingRtcp(const RtcpReader& reader, int64_t nowUs) {
  for (const RtcpSenderInfo& info : reader.SenderReports()) {
    if (IncomingStream* stream = FindIncoming(info.ssrc)) stream->statistics.OnSenderReport(info.ntpTime, nowUs);
  }
  bool measured = false;
  for (const RtcpReceivedBlock& received : reader.ReportBlocks()) {
    OutgoingStream* stream = FindOutgoing(received.block.ssrc);
    if (!stream) continue;
    if (const std::optional<int64_t> roundTripUs = stream->roundTrip.OnReportBlock(received.block, nowUs)) {
      roundTripUs_ = roundTripUs;
      measured = true;
    }
  }
  if (!measured) return;
  GST_LOG("measure round-trip [us:%" G_GINT64_FORMAT "]", *roundTripUs_);
  for (const auto& stream : incoming_) {
    if (stream->nack) stream->nack->SetRtt(ToRttMs(*roundTripUs_));
  }
}

RtcpSession::OutgoingStream* RtcpSession::FirstSender() const {
  for (const auto& stream : outgoing_) {
    if (stream->sent && stream->timed) return stream.get();
  }
  return nullptr;
}

uint32_t RtcpSession::LocalSsrc(const OutgoingStream* sender) const {
  return sender ? sender->statistics.Ssrc() : config_.reporterSsrc;
}

bool RtcpSession::AddReport(RtcpWriter& writer, OutgoingStream* sender, std::span<const RtcpReportBlock> blocks,
                            int64_t nowUs, uint64_t ntpTime) {
  if (!sender) return writer.AddReceiverReport(config_.reporterSsrc, blocks);
  const std::optional<RtcpSenderInfo> info = sender->statistics.SenderInfo(nowUs, ntpTime);
  if (!info || !writer.AddSenderReport(*info, blocks)) return false;
  sender->roundTrip.OnSenderReportSent(ntpTime, nowUs);
  return true;
}

std::optional<int64_t> RtcpSession::NextNackDueUs() const {
  std::optional<uint64_t> nextMs;
  for (const auto& stream : incoming_) {
    if (!stream->nack) continue;
    const std::optional<uint64_t> dueMs = stream->nack->NextDueMs();
    if (dueMs && (!nextMs || *dueMs < *nextMs)) nextMs = dueMs;
  }
  if (!nextMs) return std::nullopt;
  return static_cast<int64_t>(*nextMs * 1000);
}

bool RtcpSession::WriteDueNacks(RtcpWriter& writer, int64_t nowUs, int64_t wallUs) {
  if (writer.Size() != 0) {
    GST_WARNING("skip nacks (writer not empty) [size:%zu]", writer.Size());
    return false;
  }
  struct Due {
    uint32_t ssrc = 0;
    std::span<const uint16_t> sequences;  // the generator's, valid until its next TakeDue
  };
  std::array<Due, kMaxIncomingSsrcs> due;
  size_t dueCount = 0;
  for (const auto& stream : incoming_) {
    if (!stream->nack) continue;
    const std::span<const uint16_t> sequences = stream->nack->TakeDue(ToMs(nowUs));
    if (!sequences.empty()) due[dueCount++] = Due{stream->statistics.Ssrc(), sequences};
  }
  if (dueCount == 0) return false;

  // The report carries no blocks: taking them would cut the interval of
  // the next regular report's fraction lost short.
  OutgoingStream* sender = FirstSender();
  const uint32_t localSsrc = LocalSsrc(sender);
  if (!AddReport(writer, sender, {}, nowUs, NtpTimeFromUnixUs(wallUs)) ||
      !writer.AddSdesCname(localSsrc, config_.cname)) {
    GST_WARNING("drop nacks (report refused) [ssrc:%u]", localSsrc);
    for (size_t i = 0; i < dueCount; ++i) counters_.nacksDropped += due[i].sequences.size();
    return writer.Size() != 0;
  }
  for (size_t i = 0; i < dueCount; ++i) {
    const size_t written = writer.AddNack(localSsrc, due[i].ssrc, due[i].sequences);
    GST_LOG("write nack [ssrc:%u sequences:%zu first:%u]", due[i].ssrc, written, due[i].sequences.front());
    counters_.nackedSequences += written;
    if (written < due[i].sequences.size()) {
      GST_DEBUG("drop nacks (compound full) [ssrc:%u count:%zu]", due[i].ssrc, due[i].sequences.size() - written);
      counters_.nacksDropped += due[i].sequences.size() - written;
    }
  }
  ++counters_.nackCompounds;
  return true;
}

bool RtcpSession::WriteReportIfDue(RtcpWriter& writer, int64_t nowUs, int64_t wallUs) {
  if (nowUs < nextReportUs_) return false;
  if (writer.Size() != 0) {
    GST_WARNING("skip report (writer not empty) [size:%zu]", writer.Size());
    return false;
  }
  nextReportUs_ = nowUs + RandomizedIntervalUs();

  // RFC 3550 §6.4: a block for every source heard since the last report.
  std::array<RtcpReportBlock, kMaxIncomingSsrcs> blocks;
  size_t blockCount = 0;
  for (const auto& stream : incoming_) {
    if (!std::exchange(stream->heard, false)) continue;
    if (const std::optional<RtcpReportBlock> block = stream->statistics.TakeReportBlock(nowUs)) {
      blocks[blockCount++] = *block;
    }
  }
  lastBlocks_ = blocks;
  lastBlockCount_ = blockCount;

  // An SR for each SSRC that sent since the last report, the blocks in the
  // first; else an RR.
  const uint64_t ntpTime = NtpTimeFromUnixUs(wallUs);
  OutgoingStream* first = FirstSender();
  const uint32_t localSsrc = LocalSsrc(first);
  if (!AddReport(writer, first, std::span(blocks.data(), blockCount), nowUs, ntpTime)) {
    GST_WARNING("drop report (refused) [ssrc:%u blocks:%zu]", localSsrc, blockCount);
    for (const auto& stream : outgoing_) stream->sent = false;
    return false;
  }
  for (const auto& stream : outgoing_) {
    if (!std::exchange(stream->sent, false) || stream.get() == first) continue;
    if (!AddReport(writer, stream.get(), {}, nowUs, ntpTime)) {
      GST_DEBUG("skip sender-report [ssrc:%u]", stream->statistics.Ssrc());
    }
  }
  if (!writer.AddSdesCname(localSsrc, config_.cname)) GST_WARNING("drop cname [ssrc:%u]", localSsrc);

  if (rembBitrate_ > 0) {
    std::array<uint32_t, kMaxIncomingSsrcs> ssrcs;
    size_t ssrcCount = 0;
    for (const auto& stream : incoming_) {
      if (stream->nack) ssrcs[ssrcCount++] = stream->statistics.Ssrc();
    }
    if (ssrcCount > 0 && !writer.AddRemb(localSsrc, rembBitrate_, std::span(ssrcs.data(), ssrcCount))) {
      GST_WARNING("drop remb [ssrc:%u bitrate:%" G_GUINT64_FORMAT "]", localSsrc, rembBitrate_);
    }
  }
  ++counters_.reports;
  GST_LOG("write report [ssrc:%u blocks:%zu size:%zu next-us:%" G_GINT64_FORMAT "]", localSsrc, blockCount,
          writer.Size(), nextReportUs_);
  return true;
}

std::optional<uint32_t> RtcpSession::TakeKeyframeRequest() {
  for (const auto& stream : incoming_) {
    if (stream->nack && stream->nack->TakeKeyframeRequest()) {
      ++counters_.keyframeRequests;
      return stream->statistics.Ssrc();
    }
  }
  return std::nullopt;
}

}  // namespace plenum::transport
