#include <gtest/gtest.h>

#include <gst/gst.h>

#include <string>

#include "mixer/LocalAnswer.hpp"
#include "mixer/GRef.hpp"
#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {
namespace {

std::string Offer(const std::string& audioFormats, const std::string& audioMaps, const std::string& videoFormats,
                  const std::string& videoMaps) {
  std::string sdp =
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "a=msid-semantic: WMS\r\n";
  if (!audioFormats.empty()) {
    sdp += "m=audio 9 UDP/TLS/RTP/SAVPF " + audioFormats + "\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n" +
           "a=rtcp-mux\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
           "a=fingerprint:sha-256 "
           "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
           "a=setup:actpass\r\n" + audioMaps;
  }
  if (!videoFormats.empty()) {
    sdp += "m=video 9 UDP/TLS/RTP/SAVPF " + videoFormats + "\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendrecv\r\n" +
           "a=rtcp-mux\r\n" + videoMaps;
  }
  return sdp;
}

const std::string kOpus = "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
const std::string kVideo =
    "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

class OfferInspectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(OfferInspectorTest, BrowserOfferPicksOpusAndVp8) {
  const OfferSummary summary = InspectOffer(Offer("111 0", kOpus + "a=rtpmap:0 PCMU/8000\r\n", "96 97 102", kVideo));
  ASSERT_TRUE(summary.audio);
  ASSERT_TRUE(summary.video);
  EXPECT_EQ(summary.audio->sendPayloadType, 111);
  EXPECT_EQ(summary.audio->mlineIndex, 0u);
  EXPECT_EQ(summary.audio->mid, "0");
  ASSERT_EQ(summary.audio->receivable.size(), 1u);  // PCMU is not ours
  EXPECT_EQ(summary.video->sendPayloadType, 96);
  EXPECT_EQ(summary.video->mlineIndex, 1u);
  ASSERT_EQ(summary.video->receivable.size(), 2u);  // VP8 and H264, not rtx
  EXPECT_EQ(summary.video->receivable[0].encodingName, "VP8");
  EXPECT_EQ(summary.video->receivable[1].encodingName, "H264");
  EXPECT_EQ(summary.mids, (std::vector<std::string>{"0", "1"}));
}

TEST_F(OfferInspectorTest, KeepsOfferOrderOfCodecs) {
  const OfferSummary summary = InspectOffer(Offer("111", kOpus, "102 96", kVideo));
  ASSERT_TRUE(summary.video);
  EXPECT_EQ(summary.video->receivable[0].encodingName, "H264");
  EXPECT_EQ(summary.video->sendPayloadType, 96);  // we still send VP8
}

TEST_F(OfferInspectorTest, H264OnlyOfferGetsTheH264Composite) {
  const std::string video =
      "a=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=0;profile-level-id=42e01f\r\n"
      "a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
  const OfferSummary summary = InspectOffer(Offer("111", kOpus, "100 102", video));
  ASSERT_TRUE(summary.video);
  EXPECT_EQ(summary.video->sendVideoCodec, VideoCodec::H264);
  EXPECT_EQ(summary.video->sendPayloadType, 102);  // mode 1, not the first listed
  EXPECT_EQ(summary.video->receivable.size(), 2u);
  // With VP8 offered too, the room sends VP8, its shared encode.
  const OfferSummary both = InspectOffer(Offer("111", kOpus, "102 96", kVideo));
  EXPECT_EQ(both.video->sendVideoCodec, VideoCodec::VP8);
}

TEST_F(OfferInspectorTest, BundleOnlySectionWithPortZeroCounts) {
  std::string sdp = Offer("111", kOpus, "96", "a=rtpmap:96 VP8/90000\r\na=bundle-only\r\n");
  sdp.replace(sdp.find("m=video 9"), 9, "m=video 0");
  const OfferSummary summary = InspectOffer(sdp);
  ASSERT_TRUE(summary.video);
  EXPECT_EQ(summary.video->sendPayloadType, 96);
  // Without bundle-only, port 0 rejects the section.
  std::string rejected = Offer("111", kOpus, "96", "a=rtpmap:96 VP8/90000\r\n");
  rejected.replace(rejected.find("m=video 9"), 9, "m=video 0");
  EXPECT_FALSE(InspectOffer(rejected).video);
}

TEST_F(OfferInspectorTest, AudioOnlyIsFine) {
  const OfferSummary summary = InspectOffer(Offer("111", kOpus, "", ""));
  EXPECT_TRUE(summary.audio);
  EXPECT_FALSE(summary.video);
}

TEST_F(OfferInspectorTest, GarbageIsMalformed) {
  for (const std::string& text : {std::string("hello"), std::string("v=0\r\n"), std::string("\x01\x02"),
                                  std::string("m=audio 9 RTP/AVP 0\r\n")}) {
    try {
      InspectOffer(text);
      FAIL() << "accepted: " << text;
    } catch (const OfferError& error) {
      EXPECT_EQ(error.kind(), OfferError::Kind::Malformed) << text;
    }
  }
}

TEST_F(OfferInspectorTest, NoUsableCodecIsUnsupported) {
  const auto expectUnsupported = [](const std::string& sdp) {
    try {
      InspectOffer(sdp);
      FAIL() << "accepted";
    } catch (const OfferError& error) {
      EXPECT_EQ(error.kind(), OfferError::Kind::Unsupported) << error.what();
    }
  };
  expectUnsupported(Offer("0", "a=rtpmap:0 PCMU/8000\r\n", "", ""));
  expectUnsupported(Offer("111", kOpus, "98", "a=rtpmap:98 VP9/90000\r\n"));
  // H.264 goes out only in packetization mode 1 (mode 0 cannot carry
  // frames larger than a packet).
  expectUnsupported(Offer("111", kOpus, "102", "a=rtpmap:102 H264/90000\r\n"));
  expectUnsupported(Offer("111", kOpus, "102",
                          "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=0;profile-level-id=42e01f\r\n"));
  expectUnsupported(Offer("111", kOpus, "", "") + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
}

SdpMessagePtr ParseSdp(const std::string& text) {
  GstSDPMessage* message = nullptr;
  gst_sdp_message_new_from_text(text.c_str(), &message);
  return SdpMessagePtr(message);
}

TEST_F(OfferInspectorTest, TheAnswerTakesEveryDecodableCodecButNotRtx) {
  const std::string offerText = Offer("111", kOpus, "96 97 102", kVideo);
  const OfferSummary summary = InspectOffer(offerText);
  SdpMessagePtr offer = ParseSdp(offerText);
  const transport::LocalTransport local{"ufrag", "password-password-pw",
                                        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                                        "01:23:45:67:89",
                                        transport::DtlsRole::kClient};
  const LocalAnswer built = BuildLocalAnswer(*offer, summary, local, 1, 2, "plenum");
  SdpMessagePtr answer = ParseSdp(built.sdp);
  ASSERT_TRUE(answer);
  const GstSDPMedia* video = gst_sdp_message_get_media(answer.get(), 1);
  ASSERT_EQ(gst_sdp_media_formats_len(video), 2u);
  EXPECT_STREQ(gst_sdp_media_get_format(video, 0), "96");
  EXPECT_STREQ(gst_sdp_media_get_format(video, 1), "102");  // H264 added, rtx not
  GCharPtr text(gst_sdp_message_as_text(answer.get()));
  const std::string sdp = text.get();
  EXPECT_NE(sdp.find("a=rtpmap:102 H264/90000"), std::string::npos);
  EXPECT_NE(sdp.find("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
            std::string::npos);
  EXPECT_EQ(sdp.find("rtx"), std::string::npos);
  // Audio already had everything: unchanged.
  EXPECT_EQ(gst_sdp_media_formats_len(gst_sdp_message_get_media(answer.get(), 0)), 1u);
}

}  // namespace
}  // namespace plenum::mixer
