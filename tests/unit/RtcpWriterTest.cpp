// RtcpWriter's bytes against compounds laid out by hand from RFC 3550 §6.4
// (SR, RR), §6.5 (SDES), RFC 4585 §6.2.1 and §6.3.1 (NACK, PLI), RFC 5104
// §4.3.1 (FIR) and draft-alvestrand-rmcat-remb §2.2 (REMB); then the rules
// it keeps: RFC 3550's order, the size limit, and all-or-nothing adds.
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "transport/RtcpWriter.hpp"

namespace plenum::transport {
namespace {

using Bytes = std::vector<uint8_t>;

class RtcpWriterTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

Bytes Taken(RtcpWriter& writer) {
  const auto bytes = writer.Finish();
  return {bytes.begin(), bytes.end()};
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

const RtcpSenderInfo kInfo{0x11223344, 0xe123456789abcdefull, 12345678, 100, 16000};
const RtcpReportBlock kBlock{0xaabbccdd, 0x40, -1, 0x0001ffff, 0x20, 0x45678912, 0x00010000};
const RtcpReportBlock kOtherBlock{0x01020304, 0, 5, 1000, 0, 0, 0};

// clang-format off
const Bytes kSenderReport = {
    0x81, 0xc8, 0x00, 0x0c,                          // V=2 RC=1, SR, 13 words
    0x11, 0x22, 0x33, 0x44,                          // SSRC
    0xe1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,  // NTP
    0x00, 0xbc, 0x61, 0x4e,                          // RTP time
    0x00, 0x00, 0x00, 0x64,                          // packets
    0x00, 0x00, 0x3e, 0x80,                          // octets
    0xaa, 0xbb, 0xcc, 0xdd,                          // block: SSRC
    0x40, 0xff, 0xff, 0xff,                          // fraction 1/4, cumulative -1
    0x00, 0x01, 0xff, 0xff,                          // highest: cycle 1, seq 65535
    0x00, 0x00, 0x00, 0x20,                          // jitter
    0x45, 0x67, 0x89, 0x12,                          // LSR
    0x00, 0x01, 0x00, 0x00,                          // DLSR: 1 s
};
// clang-format on

// SSRC, CNAME "abcd", the null that ends the list, padding to the word.
const Bytes kSdes = {0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x00};

TEST_F(RtcpWriterTest, WritesEachPacketAsTheRfcsLayItOut) {
  struct Row {
    std::string name;
    std::function<bool(RtcpWriter&)> add;
    Bytes expected;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"sender report", [](RtcpWriter& w) { return w.AddSenderReport(kInfo, std::vector{kBlock}); }, kSenderReport},
      {"sender report without blocks",
       [](RtcpWriter& w) { return w.AddSenderReport(kInfo, {}); },
       {0x80, 0xc8, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xe1, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0x00, 0xbc, 0x61, 0x4e, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x3e, 0x80}},
      {"receiver report, two blocks",
       [](RtcpWriter& w) { return w.AddReceiverReport(0x55667788, std::vector{kBlock, kOtherBlock}); },
       {0x82, 0xc9, 0x00, 0x0d, 0x55, 0x66, 0x77, 0x88,                                      //
        0xaa, 0xbb, 0xcc, 0xdd, 0x40, 0xff, 0xff, 0xff, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00,  //
        0x00, 0x20, 0x45, 0x67, 0x89, 0x12, 0x00, 0x01, 0x00, 0x00,                          //
        0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,  //
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
      {"empty receiver report", [](RtcpWriter& w) { return w.AddReceiverReport(1, {}); },
       {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01}},
      {"sdes cname", [](RtcpWriter& w) { return w.AddSdesCname(0x11223344, "abcd"); }, kSdes},
      {"sdes cname needing a whole word of nulls",
       [](RtcpWriter& w) { return w.AddSdesCname(1, "ab"); },
       {0x81, 0xca, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 'a', 'b'} /* + 4 nulls below */},
      {"pli", [](RtcpWriter& w) { return w.AddPli(0x01020304, 0x05060708); },
       {0x81, 0xce, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}},
      {"fir", [](RtcpWriter& w) { return w.AddFir(0x01020304, 0x05060708, 7); },
       {0x84, 0xce, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,  //
        0x05, 0x06, 0x07, 0x08, 0x07, 0x00, 0x00, 0x00}},
      {"nack 100, 101, 103",
       [](RtcpWriter& w) { return w.AddNack(1, 2, std::vector<uint16_t>{100, 101, 103}) == 3; },
       {0x81, 0xcd, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x64, 0x00, 0x05}},
      {"remb 1 Mbit/s for two ssrcs",
       [](RtcpWriter& w) { return w.AddRemb(0x01020304, 1000000, std::vector<uint32_t>{0xa, 0xb}); },
       {0x8f, 0xce, 0x00, 0x06, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,  //
        'R',  'E',  'M',  'B',                                                   //
        0x02, 0x0b, 0xd0, 0x90,  // two SSRCs, exponent 2, mantissa 250000
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x0b}},
      {"remb with no ssrc and no bitrate",
       [](RtcpWriter& w) { return w.AddRemb(1, 0, {}); },
       {0x8f, 0xce, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B', 0, 0, 0, 0}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RtcpWriter writer;
    ASSERT_TRUE(row.add(writer));
    Bytes expected = row.expected;
    if (row.name == "sdes cname needing a whole word of nulls") expected.insert(expected.end(), 4, 0);
    EXPECT_EQ(writer.Size(), expected.size());
    EXPECT_EQ(Taken(writer), expected);
  }
}

TEST_F(RtcpWriterTest, PacksNackNumbersIntoPidAndBlpPairs) {
  struct Row {
    std::string name;
    std::vector<uint16_t> sequences;
    std::vector<std::pair<uint16_t, uint16_t>> pairs;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"one", {100}, {{100, 0x0000}}},
      {"RFC 4585's own: BLP bit i is PID + i + 1", {100, 101, 103}, {{100, 0x0005}}},
      {"the 16th after the PID is the last bit", {100, 116}, {{100, 0x8000}}},
      {"the 17th needs a pair of its own", {100, 117}, {{100, 0x0000}, {117, 0x0000}}},
      {"seventeen in a row", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, {{1, 0xffff}}},
      {"eighteen", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, {{1, 0xffff}, {18, 0x0000}}},
      {"across the wrap", {65535, 0, 1}, {{65535, 0x0003}}},
      {"a repeat costs nothing", {100, 100, 101}, {{100, 0x0001}}},
      {"out of order still says every number", {5, 3}, {{5, 0x0000}, {3, 0x0000}}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RtcpWriter writer;
    ASSERT_EQ(writer.AddNack(0xa, 0xb, row.sequences), row.sequences.size());
    const Bytes bytes = Taken(writer);
    ASSERT_EQ(bytes.size(), 12 + 4 * row.pairs.size());
    EXPECT_EQ(bytes[0], 0x81);  // FMT 1
    EXPECT_EQ(bytes[1], 205);   // RTPFB
    EXPECT_EQ(bytes[3], 2 + row.pairs.size());
    for (size_t i = 0; i < row.pairs.size(); ++i) {
      EXPECT_EQ(GST_READ_UINT16_BE(&bytes[12 + 4 * i]), row.pairs[i].first) << "pair " << i;
      EXPECT_EQ(GST_READ_UINT16_BE(&bytes[14 + 4 * i]), row.pairs[i].second) << "pair " << i;
    }
  }
}

TEST_F(RtcpWriterTest, ACompoundStartsWithReportsThenSdesThenFeedback) {
  RtcpWriter writer;
  EXPECT_TRUE(writer.AddSenderReport(kInfo, std::vector{kBlock}));
  EXPECT_TRUE(writer.AddSdesCname(0x11223344, "abcd"));
  EXPECT_FALSE(writer.AddReceiverReport(1, {}));  // a report after SDES
  EXPECT_TRUE(writer.AddPli(1, 2));
  EXPECT_FALSE(writer.AddSdesCname(1, "late"));  // SDES after feedback
  EXPECT_FALSE(writer.AddReceiverReport(1, {}));
  EXPECT_EQ(writer.AddNack(1, 2, std::vector<uint16_t>{7}), 1u);
  EXPECT_TRUE(writer.AddRemb(1, 300000, std::vector<uint32_t>{2}));
  const Bytes bytes = Taken(writer);
  EXPECT_EQ(Bytes(bytes.begin(), bytes.begin() + 68), Concat({kSenderReport, kSdes}));
  // A full compound, as RFC 3550 (not only RFC 5506) would have it.
  EXPECT_TRUE(gst_rtcp_buffer_validate_data(const_cast<uint8_t*>(bytes.data()), bytes.size()));

  // Finish took it all; the next compound starts from nothing.
  EXPECT_TRUE(Taken(writer).empty());
  EXPECT_TRUE(writer.AddReceiverReport(1, {}));
  EXPECT_EQ(Taken(writer), (Bytes{0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01}));

  // Reduced size: feedback alone, several of it.
  EXPECT_TRUE(writer.AddPli(1, 2));
  EXPECT_TRUE(writer.AddPli(1, 3));
  EXPECT_EQ(Taken(writer).size(), 24u);
}

TEST_F(RtcpWriterTest, MoreThan31BlocksContinueInReceiverReports) {
  std::vector<RtcpReportBlock> blocks(40);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i].ssrc = static_cast<uint32_t>(i + 1);
  RtcpWriter writer;
  ASSERT_TRUE(writer.AddSenderReport(kInfo, blocks));
  const Bytes bytes = Taken(writer);
  ASSERT_EQ(bytes.size(), 28 + 31 * 24 + 8 + 9 * 24);
  EXPECT_EQ(bytes[0], 0x80 | 31);
  EXPECT_EQ(bytes[1], 200);
  const size_t rr = 28 + 31 * 24;
  EXPECT_EQ(bytes[rr], 0x80 | 9);
  EXPECT_EQ(bytes[rr + 1], 201);
  EXPECT_EQ(GST_READ_UINT32_BE(&bytes[rr + 4]), kInfo.ssrc);  // from the same sender
  EXPECT_EQ(GST_READ_UINT32_BE(&bytes[rr + 8]), 32u);         // block 32
  EXPECT_TRUE(gst_rtcp_buffer_validate_data(const_cast<uint8_t*>(bytes.data()), bytes.size()));
}

TEST_F(RtcpWriterTest, WhatDoesNotFitIsNotWrittenAtAll) {
  RtcpWriter small(64);
  EXPECT_TRUE(small.AddReceiverReport(1, std::vector{kBlock, kOtherBlock}));  // 56 bytes
  EXPECT_FALSE(small.AddPli(1, 2));
  EXPECT_FALSE(small.AddSdesCname(1, "abcd"));
  EXPECT_EQ(small.AddNack(1, 2, std::vector<uint16_t>{1}), 0u);
  EXPECT_EQ(small.Size(), 56u);
  EXPECT_EQ(Taken(small).size(), 56u);

  // A report whose blocks overflow leaves nothing of itself behind, and
  // what follows is written as if it had never been tried (an SDES after
  // it pads with nulls, not with the failed report's bytes).
  RtcpWriter writer(100);
  ASSERT_TRUE(writer.AddReceiverReport(0x55667788, std::vector{kOtherBlock}));
  EXPECT_FALSE(writer.AddSenderReport(kInfo, std::vector{kBlock, kBlock, kBlock}));
  EXPECT_EQ(writer.Size(), 32u);
  ASSERT_TRUE(writer.AddSdesCname(0x11223344, "abcd"));
  const Bytes bytes = Taken(writer);
  EXPECT_EQ(Bytes(bytes.begin() + 32, bytes.end()), kSdes);

  // The order is still open for reports after a failed one.
  RtcpWriter empty(40);
  EXPECT_FALSE(empty.AddSenderReport(kInfo, std::vector{kBlock}));
  EXPECT_EQ(empty.Size(), 0u);
  EXPECT_TRUE(empty.AddReceiverReport(1, std::vector{kBlock}));
}

// GStreamer 1.22 checks an SDES item's room against its offset within the
// SDES packet rather than the buffer; RtcpWriter checks for it. Under
// valgrind a write past the storage would show here.
TEST_F(RtcpWriterTest, AnSdesNearTheEndFitsOrIsRefusedWhole) {
  const Bytes rr = {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  // The receiver report's 8 bytes and the SDES's 16, with GStreamer's one
  // byte to spare.
  RtcpWriter roomy(25);
  ASSERT_TRUE(roomy.AddReceiverReport(1, {}));
  EXPECT_TRUE(roomy.AddSdesCname(0x11223344, "abcd"));
  Bytes expected = rr;
  expected.insert(expected.end(), kSdes.begin(), kSdes.end());
  EXPECT_EQ(Taken(roomy), expected);
  for (size_t maxSize : {24u, 20u, 16u, 13u}) {
    SCOPED_TRACE(maxSize);
    RtcpWriter tight(maxSize);
    ASSERT_TRUE(tight.AddReceiverReport(1, {}));
    EXPECT_FALSE(tight.AddSdesCname(0x11223344, "abcd"));
    EXPECT_EQ(Taken(tight), rr);
  }
}

TEST_F(RtcpWriterTest, AddNackTakesTheLeadingNumbersThatFit) {
  // 40 bytes: the feedback header and seven pairs.
  RtcpWriter writer(40);
  std::vector<uint16_t> spread;
  for (uint16_t i = 0; i < 11; ++i) spread.push_back(static_cast<uint16_t>(i * 20));
  EXPECT_EQ(writer.AddNack(1, 2, spread), 7u);
  const Bytes bytes = Taken(writer);
  ASSERT_EQ(bytes.size(), 40u);
  EXPECT_EQ(GST_READ_UINT16_BE(&bytes[36]), 120);  // the seventh
  // The rest in the next compound.
  EXPECT_EQ(writer.AddNack(1, 2, std::span(spread).subspan(7)), 4u);
  EXPECT_EQ(writer.AddNack(1, 2, {}), 0u);
}

TEST_F(RtcpWriterTest, RefusesValuesTheWireCannotCarry) {
  RtcpWriter writer(1500);
  EXPECT_FALSE(writer.AddSdesCname(1, std::string(256, 'x')));
  EXPECT_TRUE(writer.AddSdesCname(1, std::string(255, 'x')));
  EXPECT_FALSE(writer.AddRemb(1, 1000, std::vector<uint32_t>(256, 7)));
  EXPECT_TRUE(writer.AddRemb(1, 1000, std::vector<uint32_t>(255, 7)));
  // SDES: header, SSRC, type and length, 255 bytes, the null: 266, padded to 268.
  EXPECT_EQ(Taken(writer).size(), 268 + 12 + 8 + 255 * 4);

  // Cumulative loss is 24 bits signed: clamped, not wrapped.
  RtcpReportBlock many = kBlock;
  many.cumulativeLost = 10000000;
  RtcpReportBlock negative = kBlock;
  negative.cumulativeLost = -10000000;
  ASSERT_TRUE(writer.AddReceiverReport(1, std::vector{many, negative}));
  const Bytes bytes = Taken(writer);
  EXPECT_EQ(GST_READ_UINT32_BE(&bytes[12]) & 0xffffff, 0x7fffffu);
  EXPECT_EQ(GST_READ_UINT32_BE(&bytes[36]) & 0xffffff, 0x800000u);
}

}  // namespace
}  // namespace plenum::transport
