// The RTCP of one participant's transport: what we tell it in reports and
// feedback, and what its reports tell us (RFC 3550 §6, RFC 4585).
//
// Fed the RTP we receive from the participant and send it, and the RTCP
// it sends, it keeps a ReceiveStatistics per incoming SSRC (a NackGenerator
// too for the streams that negotiated nack), a SendStatistics and a
// RoundTrip per outgoing SSRC, and writes into the caller's RtcpWriter:
//  - the regular report, every RFC 3550 interval randomized to 0.5..1.5 of
//    reportIntervalUs (§6.3.1, without its reconsideration: one server has
//    no group to keep in step with): an SR for each outgoing SSRC that
//    sent since the previous report, or else one RR from reporterSsrc;
//    the report blocks of the incoming SSRCs heard since then (§6.4), all
//    in the first SR or the RR; one SDES CNAME for the first report's
//    SSRC (§6.1); and REMB, when set, for the nack (video) SSRCs.
//  - NACKs as soon as they are due, each in a compound of its own: an SR
//    (no blocks, which would cut the fraction-lost interval short) or an
//    empty RR, our CNAME, then one generic NACK per stream, full RTCP that
//    every receiver takes, reduced-size negotiated or not.
// The compound's first SSRC also sends its CNAME, NACKs and REMB: the
// first outgoing SSRC that sent since the previous report, or else
// reporterSsrc.
//
// A participant sends a few SSRCs (audio, video, maybe RTX): a small
// vector of each, bounded so that a client cannot make it grow. Packets on
// SSRCs past the bound are ignored and counted; SSRCs are never forgotten.
// Within the bounds a report always fits RtcpWriter::kDefaultMaxSize. NACKs
// past what one compound holds are dropped and counted (the generator has
// them as asked, and asks again a round trip later, oldest first); with
// NackGenerator's default limits only eight nack streams, each with a
// window full of scattered losses, and a long CNAME come near that.
//
// It owns no socket and reads no clock: times are passed in, microseconds
// on one monotonic clock (g_get_monotonic_time), and wall-clock
// microseconds (g_get_real_time) where an SR needs an NTP time. One thread
// (the room's media worker), no lock. Allocates only when it first sees an
// SSRC.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "transport/NackGenerator.hpp"
#include "transport/ReceiveStatistics.hpp"
#include "transport/RoundTrip.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpWriter.hpp"
#include "transport/SendStatistics.hpp"

namespace plenum::transport {

class RtcpSession {
 public:
  static constexpr size_t kMaxIncomingSsrcs = 8;
  static constexpr size_t kMaxOutgoingSsrcs = 8;
  // The SDES item's length byte.
  static constexpr size_t kMaxCnameLength = 255;

  struct Config {
    std::string cname = "plenum";
    // Ours, for the RR and feedback when we send this participant nothing
    // (our audio SSRC, say).
    uint32_t reporterSsrc = 0;
    // RFC 3550's interval; each one is randomized to 0.5..1.5 of it.
    int64_t reportIntervalUs = 1'000'000;
    // Seeds the randomization, so that tests repeat; nullopt: one from
    // GLib's g_random_int, so that sessions do not report in step.
    std::optional<uint32_t> randomSeed;
    // For the generator of every nack stream.
    NackGenerator::Config nack;
  };

  struct Counters {
    uint64_t reports = 0;          // regular reports written
    uint64_t nackCompounds = 0;    // compounds of NACKs written
    uint64_t nackedSequences = 0;  // sequence numbers asked for
    uint64_t nacksDropped = 0;     // due, but past what one compound holds
    uint64_t keyframeRequests = 0;
    uint64_t ignoredIncomingPackets = 0;  // on SSRCs past kMaxIncomingSsrcs
    uint64_t ignoredOutgoingPackets = 0;  // on SSRCs past kMaxOutgoingSsrcs
  };

  // The first report is due one randomized interval after `nowUs`. Throws
  // std::invalid_argument for a CNAME longer than kMaxCnameLength or an
  // interval that is not positive.
  RtcpSession(Config config, int64_t nowUs);
  ~RtcpSession();

  RtcpSession(const RtcpSession&) = delete;
  RtcpSession& operator=(const RtcpSession&) = delete;

  // RTP from the participant, after SRTP, retransmissions on the same SSRC
  // included: statistics for `ssrc` (made on first sight, with
  // `clockRate`), and when `nack` (a video stream that negotiated nack),
  // loss detection by a NackGenerator for it.
  void OnIncomingRtp(uint32_t ssrc, uint32_t clockRate, uint16_t sequence, uint32_t rtpTimestamp, bool nack,
                     int64_t nowUs);
  // RTP we sent the participant; `payloadSize` is the payload alone, RFC
  // 3550's octet count. A retransmission is counted but does not move the
  // RTP/NTP reference.
  void OnOutgoingRtp(uint32_t ssrc, uint32_t clockRate, uint32_t rtpTimestamp, size_t payloadSize, bool retransmission,
                     int64_t nowUs);
  // RTCP from the participant, already read: its SRs give LSR/DLSR for the
  // SSRCs it sends; its report blocks about our SSRCs the round trip,
  // which every NackGenerator then waits between asks.
  void OnIncomingRtcp(const RtcpReader& reader, int64_t nowUs);

  // The bitrate the participant should keep its video under (REMB,
  // draft-alvestrand-rmcat-remb), sent with every report for its nack
  // SSRCs; 0: none.
  void SetRembBitrate(uint64_t bitsPerSecond) { rembBitrate_ = bitsPerSecond; }

  // Each Write adds one whole compound to an empty `writer`, for the
  // caller to Finish and send. A writer already holding something is left
  // alone: false, and what was due stays due.

  // The NACKs that are due: false, with nothing written, when none is.
  bool WriteDueNacks(RtcpWriter& writer, int64_t nowUs, int64_t wallUs);
  // When WriteDueNacks will next have something; nullopt while nothing is
  // missing (or everything missing has been asked for enough).
  std::optional<int64_t> NextNackDueUs() const;

  // The regular report once NextReportUs() has come; false, with nothing
  // written, before. The next one is then a randomized interval away.
  bool WriteReportIfDue(RtcpWriter& writer, int64_t nowUs, int64_t wallUs);
  int64_t NextReportUs() const { return nextReportUs_; }

  // An incoming SSRC whose NackGenerator gave up on a gap (too wide, or
  // the numbering jumped): ask its sender for a keyframe. Each SSRC once
  // per request, however many gaps it gave up on since.
  std::optional<uint32_t> TakeKeyframeRequest();

  // The last round trip measured, to any of our SSRCs; nullopt before.
  std::optional<int64_t> RoundTripUs() const { return roundTripUs_; }

  // For stats and tests; nullptr for an SSRC not tracked.
  const ReceiveStatistics* Incoming(uint32_t ssrc) const;
  const SendStatistics* Outgoing(uint32_t ssrc) const;
  const Counters& GetCounters() const { return counters_; }
  // The report blocks of the last regular report written (what we told
  // the participant of the streams it sends us), for metrics.
  std::span<const RtcpReportBlock> LastReportBlocks() const {
    return std::span(lastBlocks_.data(), lastBlockCount_);
  }

 private:
  struct IncomingStream {
    IncomingStream(uint32_t ssrc, uint32_t clockRate) : statistics(ssrc, clockRate) {}
    ReceiveStatistics statistics;
    std::unique_ptr<NackGenerator> nack;  // for nack streams only
    bool heard = false;                   // packets since the previous report
  };

  struct OutgoingStream {
    OutgoingStream(uint32_t ssrc, uint32_t clockRate) : statistics(ssrc, clockRate) {}
    SendStatistics statistics;
    RoundTrip roundTrip;
    bool sent = false;   // packets since the previous report
    bool timed = false;  // a packet other than a retransmission: an RTP time to give
  };

  IncomingStream* FindIncoming(uint32_t ssrc) const;
  OutgoingStream* FindOutgoing(uint32_t ssrc) const;
  // The first outgoing stream that sent since the previous report and has
  // an RTP time to give, which then sends the compound's SR.
  OutgoingStream* FirstSender() const;
  // Starts a compound with an SR from `sender` (nullptr: an RR from
  // reporterSsrc) carrying `blocks`, and records the SR for the round
  // trip; false when the writer refused it.
  bool AddReport(RtcpWriter& writer, OutgoingStream* sender, std::span<const RtcpReportBlock> blocks, int64_t nowUs,
                 uint64_t ntpTime);
  // The SSRC a compound starting with `sender`'s report speaks for.
  uint32_t LocalSsrc(const OutgoingStream* sender) const;
  int64_t RandomizedIntervalUs();

  // Owned.
  std::vector<std::unique_ptr<IncomingStream>> incoming_;  // reserved to kMaxIncomingSsrcs
  std::vector<std::unique_ptr<OutgoingStream>> outgoing_;  // reserved to kMaxOutgoingSsrcs

  // Others.
  Config config_;
  std::minstd_rand random_;
  int64_t nextReportUs_ = 0;
  uint64_t rembBitrate_ = 0;
  std::optional<int64_t> roundTripUs_;
  Counters counters_;
  std::array<RtcpReportBlock, kMaxIncomingSsrcs> lastBlocks_{};
  size_t lastBlockCount_ = 0;
};

}  // namespace plenum::transport
