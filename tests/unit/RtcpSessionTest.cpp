// RtcpSession as a participant's transport sees it: RTP in and out, RTCP
// in, and every compound it writes read back, by RtcpReader for what it
// reports and asks, and by GStreamer's own GstRTCPBuffer for what
// RtcpReader passes over (the order of the packets, RRs without blocks,
// SDES) and for the compound's validity (RFC 3550 §6.1: a report first).
// Time is passed in, so every interval and every retry is exact.
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "AllocationCounter.hpp"
#include "transport/RtcpReader.hpp"
#include "transport/RtcpSession.hpp"
#include "transport/RtcpWriter.hpp"

namespace plenum::transport {
namespace {

using Seqs = std::vector<uint16_t>;
using Ssrcs = std::vector<uint32_t>;

constexpr uint32_t kOurAudio = 0xa0000001;  // also reporterSsrc
constexpr uint32_t kOurVideo = 0xa0000002;
constexpr uint32_t kTheirAudio = 0xb0000001;
constexpr uint32_t kTheirVideo = 0xb0000002;
constexpr uint32_t kAudioRate = 48000;
constexpr uint32_t kVideoRate = 90000;
constexpr int64_t kStartUs = 100000000;
constexpr int64_t kIntervalUs = 1000000;
// The wall clock runs this far ahead of the monotonic one (some day in 2023).
constexpr int64_t kWallOffsetUs = 1700000000000000 - kStartUs;
constexpr int64_t kMs = 1000;
constexpr const char* kCname = "plenum-test";

int64_t Wall(int64_t nowUs) { return nowUs + kWallOffsetUs; }

// The monotonic time an SR's NTP time stands for, to within the
// microsecond its fraction was rounded down from.
int64_t MonotonicFromNtp(uint64_t ntpTime) {
  constexpr uint64_t kUnixEpochInNtpSeconds = 2208988800u;
  const uint64_t seconds = (ntpTime >> 32) - kUnixEpochInNtpSeconds;
  const uint64_t us = ((ntpTime & 0xffffffff) * 1000000 + 0xffffffff) >> 32;  // rounded up: back to the whole us
  return static_cast<int64_t>(seconds * 1000000 + us) - kWallOffsetUs;
}

RtcpSession::Config TestConfig(uint32_t seed = 7) {
  RtcpSession::Config config;
  config.cname = kCname;
  config.reporterSsrc = kOurAudio;
  config.reportIntervalUs = kIntervalUs;
  config.randomSeed = seed;
  return config;
}

// What GstRTCPBuffer makes of a compound.
struct Packet {
  GstRTCPType type;
  uint32_t ssrc;  // the SR's or RR's, the SDES chunk's, the feedback's sender
  bool operator==(const Packet&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Packet& packet) {
  return out << "{" << packet.type << ", " << std::hex << packet.ssrc << std::dec << "}";
}

struct Compound {
  bool valid = false;  // a full compound, as gst_rtcp_buffer_validate_data has it
  std::vector<Packet> packets;
  std::vector<std::string> cnames;
};

Compound Parse(std::span<const uint8_t> bytes) {
  Compound compound;
  if (bytes.empty()) return compound;
  compound.valid = gst_rtcp_buffer_validate_data(const_cast<guint8*>(bytes.data()), static_cast<guint>(bytes.size()));
  GstBuffer* buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp);
  GstRTCPPacket packet;
  for (bool more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    uint32_t ssrc = 0;
    switch (type) {
      case GST_RTCP_TYPE_SR:
        gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, nullptr, nullptr, nullptr, nullptr);
        break;
      case GST_RTCP_TYPE_RR: ssrc = gst_rtcp_packet_rr_get_ssrc(&packet); break;
      case GST_RTCP_TYPE_SDES:
        for (bool item = gst_rtcp_packet_sdes_first_item(&packet); item;
             item = gst_rtcp_packet_sdes_next_item(&packet)) {
          ssrc = gst_rtcp_packet_sdes_get_ssrc(&packet);
          for (bool entry = gst_rtcp_packet_sdes_first_entry(&packet); entry;
               entry = gst_rtcp_packet_sdes_next_entry(&packet)) {
            GstRTCPSDESType sdesType;
            guint8 length = 0;
            guint8* data = nullptr;
            if (gst_rtcp_packet_sdes_get_entry(&packet, &sdesType, &length, &data) && sdesType == GST_RTCP_SDES_CNAME)
              compound.cnames.emplace_back(reinterpret_cast<const char*>(data), length);
          }
        }
        break;
      case GST_RTCP_TYPE_RTPFB:
      case GST_RTCP_TYPE_PSFB: ssrc = gst_rtcp_packet_fb_get_sender_ssrc(&packet); break;
      default: break;
    }
    compound.packets.push_back(Packet{type, ssrc});
  }
  gst_rtcp_buffer_unmap(&rtcp);
  gst_buffer_unref(buffer);
  return compound;
}

class RtcpSessionTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  explicit RtcpSessionTest(RtcpSession::Config config = TestConfig()) : session_(std::move(config), kStartUs) {}

  // The participant's packet `sequence` of a 20 ms Opus stream, or of a
  // 25 fps video stream of one packet a frame, arriving at `nowUs`.
  void ReceiveAudio(uint16_t sequence, int64_t nowUs) {
    session_.OnIncomingRtp(kTheirAudio, kAudioRate, sequence, sequence * 960u, false, nowUs);
  }
  void ReceiveVideo(uint16_t sequence, int64_t nowUs, uint32_t ssrc = kTheirVideo) {
    session_.OnIncomingRtp(ssrc, kVideoRate, sequence, sequence * 3600u, true, nowUs);
  }

  // The report if due at `nowUs`, read into reader_; empty if not.
  Compound Report(int64_t nowUs) {
    if (!session_.WriteReportIfDue(writer_, nowUs, Wall(nowUs))) {
      EXPECT_EQ(writer_.Size(), 0u);
      return {};
    }
    return Read(writer_.Finish());
  }
  // The next report, whenever it is due: sets now_ to then.
  Compound NextReport() {
    now_ = session_.NextReportUs();
    return Report(now_);
  }
  Compound Nacks(int64_t nowUs) {
    if (!session_.WriteDueNacks(writer_, nowUs, Wall(nowUs))) {
      EXPECT_EQ(writer_.Size(), 0u);
      return {};
    }
    return Read(writer_.Finish());
  }
  Compound Read(std::span<const uint8_t> bytes) {
    EXPECT_TRUE(reader_.Read(bytes));
    return Parse(bytes);
  }

  Seqs NackedSequences(uint32_t mediaSsrc) const {
    Seqs sequences;
    for (const RtcpNack& nack : reader_.Nacks()) {
      if (nack.mediaSsrc == mediaSsrc) sequences.insert(sequences.end(), nack.sequences.begin(), nack.sequences.end());
    }
    return sequences;
  }
  Ssrcs BlockSsrcs() const {
    Ssrcs ssrcs;
    for (const RtcpReceivedBlock& received : reader_.ReportBlocks()) ssrcs.push_back(received.block.ssrc);
    return ssrcs;
  }
  const RtcpReportBlock* Block(uint32_t ssrc) const {
    for (const RtcpReceivedBlock& received : reader_.ReportBlocks()) {
      if (received.block.ssrc == ssrc) return &received.block;
    }
    return nullptr;
  }

  RtcpSession session_;
  RtcpWriter writer_;
  RtcpReader reader_;
  int64_t now_ = kStartUs;
};

TEST_F(RtcpSessionTest, NothingIsReportedBeforeTheFirstInterval) {
  const int64_t first = session_.NextReportUs();
  EXPECT_GE(first, kStartUs + kIntervalUs / 2);
  EXPECT_LE(first, kStartUs + kIntervalUs * 3 / 2);
  ReceiveAudio(1, kStartUs);
  session_.OnOutgoingRtp(kOurAudio, kAudioRate, 0, 100, false, kStartUs);

  EXPECT_FALSE(Report(kStartUs).valid);
  EXPECT_FALSE(Report(first - 1).valid);
  EXPECT_EQ(session_.GetCounters().reports, 0u);
  EXPECT_TRUE(Report(first).valid);
  // Once only.
  EXPECT_FALSE(Report(first).valid);
  EXPECT_GE(session_.NextReportUs(), first + kIntervalUs / 2);
  EXPECT_LE(session_.NextReportUs(), first + kIntervalUs * 3 / 2);
  // Late is still due.
  EXPECT_TRUE(Report(session_.NextReportUs() + 5 * kIntervalUs).valid);
  EXPECT_EQ(session_.GetCounters().reports, 2u);
}

TEST_F(RtcpSessionTest, TheIntervalIsRandomizedAroundTheConfiguredOne) {
  constexpr int kReports = 2000;
  int64_t shortest = INT64_MAX;
  int64_t longest = 0;
  int64_t previous = kStartUs;
  for (int i = 0; i < kReports; ++i) {
    const int64_t next = session_.NextReportUs();
    shortest = std::min(shortest, next - previous);
    longest = std::max(longest, next - previous);
    ASSERT_TRUE(Report(next).valid);
    previous = next;
  }
  EXPECT_GE(shortest, kIntervalUs / 2);
  EXPECT_LE(longest, kIntervalUs * 3 / 2);
  // Spread over the whole range, not bunched in the middle...
  EXPECT_LT(shortest, kIntervalUs * 55 / 100);
  EXPECT_GT(longest, kIntervalUs * 145 / 100);
  // ...and the configured interval on average (3 sigma: 2%).
  const double mean = static_cast<double>(previous - kStartUs) / kReports;
  EXPECT_NEAR(mean, kIntervalUs, kIntervalUs * 0.02);

  // The seed makes it repeat; another seed, another schedule.
  RtcpSession same(TestConfig(7), kStartUs);
  RtcpSession other(TestConfig(8), kStartUs);
  RtcpSession again(TestConfig(7), kStartUs);
  EXPECT_EQ(same.NextReportUs(), again.NextReportUs());
  EXPECT_NE(same.NextReportUs(), other.NextReportUs());
}

TEST_F(RtcpSessionTest, AReceiverReportWithBlocksWhenWeSendNothing) {
  // Audio 0..49 without 10 and 11; video 0..99 without 50.
  for (uint16_t sequence = 0; sequence < 50; ++sequence) {
    if (sequence != 10 && sequence != 11) ReceiveAudio(sequence, kStartUs + sequence * 20 * kMs);
  }
  for (uint16_t sequence = 0; sequence < 100; ++sequence) {
    if (sequence != 50) ReceiveVideo(sequence, kStartUs + sequence * 40 * kMs);
  }
  now_ = kStartUs + 4000 * kMs;
  Compound report = Report(now_);
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}}));
  EXPECT_TRUE(reader_.SenderReports().empty());
  ASSERT_EQ(BlockSsrcs(), (Ssrcs{kTheirAudio, kTheirVideo}));
  for (const RtcpReceivedBlock& received : reader_.ReportBlocks()) EXPECT_EQ(received.reporterSsrc, kOurAudio);
  // 2 of 50: 10.24 / 256; 1 of 100: 2.56 / 256.
  EXPECT_EQ(*Block(kTheirAudio), (RtcpReportBlock{kTheirAudio, 10, 2, 49, 0, 0, 0}));
  EXPECT_EQ(*Block(kTheirVideo), (RtcpReportBlock{kTheirVideo, 2, 1, 99, 0, 0, 0}));

  // Only what was heard since: RFC 3550 §6.4.
  ReceiveVideo(100, kStartUs + 100 * 40 * kMs);
  report = NextReport();
  EXPECT_TRUE(report.valid);
  ASSERT_EQ(BlockSsrcs(), (Ssrcs{kTheirVideo}));
  EXPECT_EQ(*Block(kTheirVideo), (RtcpReportBlock{kTheirVideo, 0, 1, 100, 0, 0, 0}));

  // Nothing heard: an RR all the same, empty.
  report = NextReport();
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}}));
  EXPECT_TRUE(reader_.ReportBlocks().empty());
}

TEST_F(RtcpSessionTest, ASenderReportPerSsrcThatSentWithTheBlocksInTheFirst) {
  // 2 s of 20 ms audio (100 bytes) and 25 fps video (three packets a frame,
  // 1000 bytes each), then a video retransmission.
  constexpr uint32_t kAudioBase = 5000;
  constexpr uint32_t kVideoBase = 7000000;
  int64_t lastAudioUs = 0;
  int64_t lastVideoUs = 0;
  uint32_t lastAudioTimestamp = 0;
  uint32_t lastVideoTimestamp = 0;
  for (int i = 0; i < 100; ++i) {
    lastAudioUs = kStartUs + i * 20 * kMs;
    lastAudioTimestamp = kAudioBase + i * 960;
    session_.OnOutgoingRtp(kOurAudio, kAudioRate, lastAudioTimestamp, 100, false, lastAudioUs);
    ReceiveAudio(static_cast<uint16_t>(i), lastAudioUs);
    if (i % 2 == 0) {
      lastVideoUs = lastAudioUs;
      lastVideoTimestamp = kVideoBase + i / 2 * 3600;
      for (int packet = 0; packet < 3; ++packet) {
        // A frame's later packets leave later but do not move the reference.
        session_.OnOutgoingRtp(kOurVideo, kVideoRate, lastVideoTimestamp, 1000, false, lastVideoUs + packet * kMs);
      }
    }
  }
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, kVideoBase, 1000, true, lastAudioUs + 5 * kMs);

  const int64_t reportUs = kStartUs + 2500 * kMs;
  Compound report = Report(reportUs);
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.packets,
            (std::vector<Packet>{
                {GST_RTCP_TYPE_SR, kOurAudio}, {GST_RTCP_TYPE_SR, kOurVideo}, {GST_RTCP_TYPE_SDES, kOurAudio}}));
  ASSERT_EQ(reader_.SenderReports().size(), 2u);
  const RtcpSenderInfo audio = reader_.SenderReports()[0];
  const RtcpSenderInfo video = reader_.SenderReports()[1];
  EXPECT_EQ(audio.ssrc, kOurAudio);
  EXPECT_EQ(audio.packetCount, 100u);
  EXPECT_EQ(audio.octetCount, 100u * 100);
  EXPECT_EQ(video.ssrc, kOurVideo);
  EXPECT_EQ(video.packetCount, 50u * 3 + 1);
  EXPECT_EQ(video.octetCount, (50u * 3 + 1) * 1000);
  // The NTP time is the wall clock's now, and the RTP time that instant on
  // each stream's clock, extrapolated from its last frame.
  EXPECT_EQ(audio.ntpTime, NtpTimeFromUnixUs(Wall(reportUs)));
  EXPECT_EQ(video.ntpTime, audio.ntpTime);
  const int64_t srUs = MonotonicFromNtp(audio.ntpTime);
  EXPECT_EQ(srUs, reportUs);
  EXPECT_EQ(audio.rtpTime, lastAudioTimestamp + static_cast<uint32_t>((srUs - lastAudioUs) * kAudioRate / 1000000));
  EXPECT_EQ(video.rtpTime, lastVideoTimestamp + static_cast<uint32_t>((srUs - lastVideoUs) * kVideoRate / 1000000));
  // The blocks ride in the first SR.
  ASSERT_EQ(BlockSsrcs(), (Ssrcs{kTheirAudio}));
  EXPECT_EQ(reader_.ReportBlocks()[0].reporterSsrc, kOurAudio);

  // Only video since: its SR alone, which then speaks for us.
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, kVideoBase + 100 * 3600, 1000, false, reportUs + 10 * kMs);
  report = NextReport();
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_SR, kOurVideo}, {GST_RTCP_TYPE_SDES, kOurVideo}}));
  EXPECT_EQ(reader_.SenderReports()[0].packetCount, 50u * 3 + 2);
  EXPECT_TRUE(reader_.ReportBlocks().empty());

  // A retransmission alone is a packet sent: an SR, its RTP time from the
  // last reference.
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, kVideoBase, 1000, true, now_ + 10 * kMs);
  report = NextReport();
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_SR, kOurVideo}, {GST_RTCP_TYPE_SDES, kOurVideo}}));
  EXPECT_EQ(reader_.SenderReports()[0].packetCount, 50u * 3 + 3);

  // Nothing sent: an RR from the reporter SSRC.
  report = NextReport();
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}}));
}

TEST_F(RtcpSessionTest, OnlyRetransmissionsGiveNoSenderReport) {
  // No RTP time to give without a packet of our own timing.
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, 1234, 1000, true, kStartUs);
  const Compound report = NextReport();
  EXPECT_EQ(report.packets, (std::vector<Packet>{{GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}}));
  EXPECT_EQ(session_.Outgoing(kOurVideo)->PacketsSent(), 1u);
}

TEST_F(RtcpSessionTest, EveryCompoundCarriesOurCname) {
  ReceiveVideo(1, kStartUs);
  ReceiveVideo(3, kStartUs + 40 * kMs);
  for (const Compound& compound : {Nacks(kStartUs + 40 * kMs), NextReport()}) {
    EXPECT_TRUE(compound.valid);
    EXPECT_EQ(compound.cnames, (std::vector<std::string>{kCname}));
  }
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, 0, 1000, false, now_);
  ReceiveVideo(5, now_);
  for (const Compound& compound : {Nacks(now_), NextReport()}) {
    EXPECT_TRUE(compound.valid);
    EXPECT_EQ(compound.cnames, (std::vector<std::string>{kCname}));
    ASSERT_GE(compound.packets.size(), 2u);
    EXPECT_EQ(compound.packets[1], (Packet{GST_RTCP_TYPE_SDES, kOurVideo}));
  }
}

TEST_F(RtcpSessionTest, RembOnlyWhenSetAndOnlyForTheNackStreams) {
  ReceiveAudio(1, kStartUs);
  ReceiveVideo(1, kStartUs);
  ReceiveVideo(1, kStartUs, kTheirVideo + 1);
  EXPECT_TRUE(NextReport().valid);
  EXPECT_TRUE(reader_.Rembs().empty());

  session_.SetRembBitrate(1500000);  // 187500 << 3: exact in REMB's 18 bits
  Compound report = NextReport();
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(report.packets,
            (std::vector<Packet>{
                {GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}, {GST_RTCP_TYPE_PSFB, kOurAudio}}));
  ASSERT_EQ(reader_.Rembs().size(), 1u);
  EXPECT_EQ(reader_.Rembs()[0].senderSsrc, kOurAudio);
  EXPECT_EQ(reader_.Rembs()[0].bitrate, 1500000u);
  EXPECT_EQ(Ssrcs(reader_.Rembs()[0].ssrcs.begin(), reader_.Rembs()[0].ssrcs.end()),
            (Ssrcs{kTheirVideo, kTheirVideo + 1}));
  // With every report, heard from or not.
  EXPECT_TRUE(NextReport().valid);
  EXPECT_EQ(reader_.Rembs().size(), 1u);
  // But not with NACKs.
  ReceiveVideo(3, now_);
  EXPECT_TRUE(Nacks(now_).valid);
  EXPECT_TRUE(reader_.Rembs().empty());

  session_.SetRembBitrate(0);
  EXPECT_TRUE(NextReport().valid);
  EXPECT_TRUE(reader_.Rembs().empty());
}

TEST_F(RtcpSessionTest, NoRembWithoutANackStream) {
  session_.SetRembBitrate(1000000);
  ReceiveAudio(1, kStartUs);
  EXPECT_TRUE(NextReport().valid);
  EXPECT_TRUE(reader_.Rembs().empty());
}

TEST_F(RtcpSessionTest, AGapIsNackedEveryRoundTripUntilThePacketsArrive) {
  const int64_t t0 = kStartUs;
  for (uint16_t sequence = 100; sequence < 105; ++sequence) ReceiveVideo(sequence, t0 + (sequence - 100) * 40 * kMs);
  EXPECT_FALSE(session_.NextNackDueUs());
  EXPECT_FALSE(Nacks(t0 + 200 * kMs).valid);

  const int64_t t1 = t0 + 320 * kMs;
  ReceiveVideo(108, t1);
  EXPECT_EQ(session_.NextNackDueUs(), t1);
  Compound nacks = Nacks(t1);
  EXPECT_TRUE(nacks.valid);
  EXPECT_EQ(nacks.packets,
            (std::vector<Packet>{
                {GST_RTCP_TYPE_RR, kOurAudio}, {GST_RTCP_TYPE_SDES, kOurAudio}, {GST_RTCP_TYPE_RTPFB, kOurAudio}}));
  // No blocks: they wait for the report.
  EXPECT_TRUE(reader_.ReportBlocks().empty());
  ASSERT_EQ(reader_.Nacks().size(), 1u);
  EXPECT_EQ(reader_.Nacks()[0].senderSsrc, kOurAudio);
  EXPECT_EQ(NackedSequences(kTheirVideo), (Seqs{105, 106, 107}));

  // Again after the default round trip, 100 ms; not before.
  EXPECT_EQ(session_.NextNackDueUs(), t1 + 100 * kMs);
  ReceiveVideo(106, t1 + 50 * kMs);  // resent on the same SSRC
  EXPECT_FALSE(Nacks(t1 + 99 * kMs).valid);
  nacks = Nacks(t1 + 100 * kMs);
  EXPECT_TRUE(nacks.valid);
  EXPECT_EQ(NackedSequences(kTheirVideo), (Seqs{105, 107}));

  ReceiveVideo(105, t1 + 150 * kMs);
  ReceiveVideo(107, t1 + 160 * kMs);
  EXPECT_FALSE(session_.NextNackDueUs());
  EXPECT_FALSE(Nacks(t1 + 200 * kMs).valid);
  EXPECT_EQ(session_.GetCounters().nackCompounds, 2u);
  EXPECT_EQ(session_.GetCounters().nackedSequences, 5u);

  // The resent packets count as received (RFC 3550): nothing lost.
  const ReceiveStatistics* stats = session_.Incoming(kTheirVideo);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->PacketsReceived(), 9u);
  EXPECT_EQ(stats->PacketsLost(), 0);
}

TEST_F(RtcpSessionTest, APacketNeverResentIsAskedForFiveTimes) {
  ReceiveVideo(1, kStartUs);
  ReceiveVideo(3, kStartUs);
  std::vector<int64_t> asked;
  while (const std::optional<int64_t> due = session_.NextNackDueUs()) {
    ASSERT_TRUE(Nacks(*due).valid);
    EXPECT_EQ(NackedSequences(kTheirVideo), (Seqs{2}));
    asked.push_back(*due - kStartUs);
  }
  EXPECT_EQ(asked, (std::vector<int64_t>{0, 100 * kMs, 200 * kMs, 300 * kMs, 400 * kMs}));
}

TEST_F(RtcpSessionTest, NoNacksForAStreamWithoutNack) {
  ReceiveAudio(1, kStartUs);
  ReceiveAudio(5, kStartUs + 80 * kMs);
  EXPECT_FALSE(session_.NextNackDueUs());
  EXPECT_FALSE(Nacks(kStartUs + 80 * kMs).valid);
  EXPECT_FALSE(session_.TakeKeyframeRequest());
  // The loss is reported all the same.
  EXPECT_TRUE(NextReport().valid);
  ASSERT_TRUE(Block(kTheirAudio));
  EXPECT_EQ(Block(kTheirAudio)->cumulativeLost, 3);
}

TEST_F(RtcpSessionTest, TheRoundTripFromABlockAboutOurSenderReport) {
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, 0, 1000, false, kStartUs);
  EXPECT_FALSE(session_.RoundTripUs());
  EXPECT_TRUE(NextReport().valid);
  ASSERT_EQ(reader_.SenderReports().size(), 1u);
  const uint64_t ntpTime = reader_.SenderReports()[0].ntpTime;
  const int64_t sentUs = now_;

  // The participant held it 0.25 s and its RR arrives 0.3 s after we sent.
  RtcpWriter theirs;
  RtcpReader theirsRead;
  const auto answer = [&](uint32_t lastSr, uint32_t about, int64_t arrivalUs) {
    RtcpReportBlock block;
    block.ssrc = about;
    block.lastSr = lastSr;
    block.delaySinceLastSr = 16384;
    theirs.AddReceiverReport(kTheirVideo, std::span(&block, 1));
    theirs.AddSdesCname(kTheirVideo, "them");
    ASSERT_TRUE(theirsRead.Read(theirs.Finish()));
    session_.OnIncomingRtcp(theirsRead, arrivalUs);
  };
  answer(CompactNtp(ntpTime) + 1, kOurVideo, sentUs + 300 * kMs);  // an SR we never sent
  answer(CompactNtp(ntpTime), kOurAudio, sentUs + 300 * kMs);      // about an SSRC with no SR
  EXPECT_FALSE(session_.RoundTripUs());
  answer(CompactNtp(ntpTime), kOurVideo, sentUs + 300 * kMs);
  EXPECT_EQ(session_.RoundTripUs(), 50 * kMs);

  // NACKs are now repeated every 50 ms, from the SSRC that sends (an SR
  // without blocks first).
  session_.OnOutgoingRtp(kOurVideo, kVideoRate, 3600, 1000, false, sentUs + 310 * kMs);
  const int64_t t1 = (sentUs + 320 * kMs) / kMs * kMs;  // NackGenerator counts whole ms
  ReceiveVideo(1, t1);
  ReceiveVideo(3, t1);
  Compound nacks = Nacks(t1);
  EXPECT_TRUE(nacks.valid);
  EXPECT_EQ(nacks.packets,
            (std::vector<Packet>{
                {GST_RTCP_TYPE_SR, kOurVideo}, {GST_RTCP_TYPE_SDES, kOurVideo}, {GST_RTCP_TYPE_RTPFB, kOurVideo}}));
  EXPECT_TRUE(reader_.ReportBlocks().empty());
  EXPECT_EQ(session_.NextNackDueUs(), t1 + 50 * kMs);

  // That SR counts for the round trip too.
  ASSERT_EQ(reader_.SenderReports().size(), 1u);
  answer(CompactNtp(reader_.SenderReports()[0].ntpTime), kOurVideo, t1 + 250 * kMs + 20 * kMs);
  EXPECT_EQ(session_.RoundTripUs(), 20 * kMs);
  EXPECT_EQ(session_.NextNackDueUs(), t1 + 20 * kMs);
}

TEST_F(RtcpSessionTest, TheParticipantsSenderReportGivesLsrAndDlsr) {
  ReceiveVideo(1, kStartUs);
  RtcpWriter theirs;
  const RtcpSenderInfo info{kTheirVideo, 0xe1234567'89abcdefull, 3600, 1, 1000};
  ASSERT_TRUE(theirs.AddSenderReport(info, {}));
  ASSERT_TRUE(reader_.Read(theirs.Finish()));
  const int64_t arrivalUs = kStartUs + 10 * kMs;
  session_.OnIncomingRtcp(reader_, arrivalUs);

  ReceiveVideo(2, kStartUs + 40 * kMs);
  EXPECT_TRUE(NextReport().valid);
  ASSERT_TRUE(Block(kTheirVideo));
  EXPECT_EQ(Block(kTheirVideo)->lastSr, 0x456789abu);
  EXPECT_EQ(Block(kTheirVideo)->delaySinceLastSr, static_cast<uint32_t>(((now_ - arrivalUs) << 16) / 1000000));
}

TEST_F(RtcpSessionTest, AGapTooWideAsksForAKeyframeOnce) {
  ReceiveVideo(1, kStartUs);
  ReceiveVideo(400, kStartUs + 40 * kMs);  // 398 missing, past the 250 a generator lists
  EXPECT_EQ(session_.TakeKeyframeRequest(), kTheirVideo);
  EXPECT_FALSE(session_.TakeKeyframeRequest());
  EXPECT_FALSE(session_.NextNackDueUs());
  EXPECT_EQ(session_.GetCounters().keyframeRequests, 1u);
}

TEST_F(RtcpSessionTest, TheSsrcsTrackedAreBounded) {
  for (uint32_t i = 0; i < RtcpSession::kMaxIncomingSsrcs + 2; ++i) ReceiveVideo(1, kStartUs, kTheirVideo + i);
  for (uint32_t i = 0; i < RtcpSession::kMaxOutgoingSsrcs + 2; ++i) {
    session_.OnOutgoingRtp(kOurVideo + i, kVideoRate, 0, 1000, false, kStartUs);
  }
  EXPECT_TRUE(session_.Incoming(kTheirVideo + RtcpSession::kMaxIncomingSsrcs - 1));
  EXPECT_FALSE(session_.Incoming(kTheirVideo + RtcpSession::kMaxIncomingSsrcs));
  EXPECT_TRUE(session_.Outgoing(kOurVideo + RtcpSession::kMaxOutgoingSsrcs - 1));
  EXPECT_FALSE(session_.Outgoing(kOurVideo + RtcpSession::kMaxOutgoingSsrcs));
  EXPECT_EQ(session_.GetCounters().ignoredIncomingPackets, 2u);
  EXPECT_EQ(session_.GetCounters().ignoredOutgoingPackets, 2u);
  ReceiveVideo(2, kStartUs, kTheirVideo + RtcpSession::kMaxIncomingSsrcs);
  EXPECT_EQ(session_.GetCounters().ignoredIncomingPackets, 3u);

  session_.SetRembBitrate(2000000);
  const Compound report = NextReport();
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(reader_.SenderReports().size(), RtcpSession::kMaxOutgoingSsrcs);
  EXPECT_EQ(reader_.ReportBlocks().size(), RtcpSession::kMaxIncomingSsrcs);
  ASSERT_EQ(reader_.Rembs().size(), 1u);
  EXPECT_EQ(reader_.Rembs()[0].ssrcs.size(), RtcpSession::kMaxIncomingSsrcs);
}

class RtcpSessionLongCnameTest : public RtcpSessionTest {
 protected:
  static RtcpSession::Config LongCname() {
    RtcpSession::Config config = TestConfig();
    config.cname.assign(RtcpSession::kMaxCnameLength, 'c');
    return config;
  }
  RtcpSessionLongCnameTest() : RtcpSessionTest(LongCname()) {}
};

TEST_F(RtcpSessionLongCnameTest, TheLargestReportFitsOnePacket) {
  for (uint32_t i = 0; i < RtcpSession::kMaxIncomingSsrcs; ++i) ReceiveVideo(1, kStartUs, kTheirVideo + i);
  for (uint32_t i = 0; i < RtcpSession::kMaxOutgoingSsrcs; ++i) {
    session_.OnOutgoingRtp(kOurVideo + i, kVideoRate, 0, 1000, false, kStartUs);
  }
  session_.SetRembBitrate(2000000);
  ASSERT_TRUE(session_.WriteReportIfDue(writer_, session_.NextReportUs(), Wall(session_.NextReportUs())));
  const std::span<const uint8_t> bytes = writer_.Finish();
  EXPECT_LT(bytes.size(), RtcpWriter::kDefaultMaxSize);
  const Compound report = Read(bytes);
  EXPECT_TRUE(report.valid);
  EXPECT_EQ(reader_.SenderReports().size(), RtcpSession::kMaxOutgoingSsrcs);
  EXPECT_EQ(reader_.ReportBlocks().size(), RtcpSession::kMaxIncomingSsrcs);
  EXPECT_EQ(reader_.Rembs().size(), 1u);
  EXPECT_EQ(report.cnames, (std::vector<std::string>{std::string(RtcpSession::kMaxCnameLength, 'c')}));
}

class RtcpSessionWideNackTest : public RtcpSessionTest {
 protected:
  static RtcpSession::Config WideNack() {
    RtcpSession::Config config = TestConfig();
    config.nack.maxPacketAge = 10000;
    config.nack.maxMissing = 1000;
    return config;
  }
  RtcpSessionWideNackTest() : RtcpSessionTest(WideNack()) {}
};

TEST_F(RtcpSessionWideNackTest, NacksPastOneCompoundAreDropped) {
  // Every twentieth of 6000 missing: 300 NACK pairs of one number each,
  // more than one compound holds.
  for (uint16_t sequence = 0; sequence <= 6001; ++sequence) {
    if (sequence == 0 || sequence % 20 != 0) ReceiveVideo(sequence, kStartUs);
  }
  ASSERT_FALSE(session_.TakeKeyframeRequest());
  const Compound nacks = Nacks(kStartUs);
  EXPECT_TRUE(nacks.valid);
  const Seqs asked = NackedSequences(kTheirVideo);
  ASSERT_GT(asked.size(), 250u);
  ASSERT_LT(asked.size(), 300u);
  // The oldest first.
  for (size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(asked[i], 20 * (i + 1));
  EXPECT_EQ(session_.GetCounters().nackedSequences, asked.size());
  EXPECT_EQ(session_.GetCounters().nacksDropped, 300 - asked.size());
}

TEST(RtcpSessionConfig, RefusesWhatItCannotSend) {
  RtcpSession::Config longName = TestConfig();
  longName.cname.assign(RtcpSession::kMaxCnameLength + 1, 'c');
  EXPECT_THROW(RtcpSession(longName, kStartUs), std::invalid_argument);
  RtcpSession::Config noInterval = TestConfig();
  noInterval.reportIntervalUs = 0;
  EXPECT_THROW(RtcpSession(noInterval, kStartUs), std::invalid_argument);
}

TEST_F(RtcpSessionTest, AWriterInUseIsLeftAlone) {
  ReceiveVideo(1, kStartUs);
  ReceiveVideo(3, kStartUs);
  writer_.AddReceiverReport(1, {});
  const size_t size = writer_.Size();
  EXPECT_FALSE(session_.WriteDueNacks(writer_, kStartUs, Wall(kStartUs)));
  EXPECT_FALSE(session_.WriteReportIfDue(writer_, session_.NextReportUs(), Wall(session_.NextReportUs())));
  EXPECT_EQ(writer_.Size(), size);
  writer_.Finish();
  // Still due.
  EXPECT_TRUE(Nacks(kStartUs).valid);
  EXPECT_TRUE(NextReport().valid);
}

TEST_F(RtcpSessionTest, SteadyStateAllocatesNothing) {
  // The participant's RR about our video, answering our SRs as they come.
  RtcpWriter theirs;
  RtcpReader theirsRead;
  uint32_t lastSr = 0;
  int64_t now = kStartUs;
  uint16_t videoIn = 0;
  const auto tick = [&](int i) {
    // 20 ms: audio both ways, video both ways every other tick, one
    // incoming video packet in 30 lost and resent 60 ms later.
    now += 20 * kMs;
    session_.OnOutgoingRtp(kOurAudio, kAudioRate, i * 960u, 100, false, now);
    ReceiveAudio(static_cast<uint16_t>(i), now);
    if (i % 2 == 0) {
      session_.OnOutgoingRtp(kOurVideo, kVideoRate, i * 1800u, 1000, false, now);
      ++videoIn;
      if (videoIn % 30 != 0) ReceiveVideo(videoIn, now);
      if (videoIn % 30 == 3) ReceiveVideo(static_cast<uint16_t>(videoIn - 3), now);
    }
    if (const std::optional<int64_t> due = session_.NextNackDueUs(); due && *due <= now) {
      if (session_.WriteDueNacks(writer_, now, Wall(now))) reader_.Read(writer_.Finish());
    }
    if (session_.WriteReportIfDue(writer_, now, Wall(now))) {
      reader_.Read(writer_.Finish());
      for (const RtcpSenderInfo& info : reader_.SenderReports()) {
        if (info.ssrc == kOurVideo) lastSr = CompactNtp(info.ntpTime);
      }
      RtcpReportBlock block;
      block.ssrc = kOurVideo;
      block.lastSr = lastSr;
      block.delaySinceLastSr = 655;  // 10 ms
      theirs.AddReceiverReport(kTheirVideo, std::span(&block, 1));
      theirs.AddSdesCname(kTheirVideo, "them");
      theirsRead.Read(theirs.Finish());
      session_.OnIncomingRtcp(theirsRead, now + 40 * kMs);
    }
    while (session_.TakeKeyframeRequest()) {
    }
  };
  session_.SetRembBitrate(1000000);
  int i = 0;
  for (; i < 200; ++i) tick(i);  // every SSRC seen, reader and writer warm
  const size_t allocations = test::AllocationsDuring([&] {
    for (; i < 2000; ++i) tick(i);
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(session_.GetCounters().reports, 30u);
  EXPECT_GT(session_.GetCounters().nackCompounds, 50u);
  EXPECT_TRUE(session_.RoundTripUs());
}

}  // namespace
}  // namespace plenum::transport
