// SDP helpers of the test client on hand-written descriptions.

#include "testclient/SessionDescription.hpp"

#include <gtest/gtest.h>

namespace plenum::test {
namespace {

constexpr const char* kOffer =
    "v=0\r\n"
    "o=- 1 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE audio0 video1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:audio0\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:video1\r\n"
    "a=rtpmap:102 H264/90000\r\n";

TEST(SessionDescription, ParsesAndRejects) {
  const auto description = ParseSessionDescription(GST_WEBRTC_SDP_TYPE_OFFER, kOffer);
  ASSERT_TRUE(description);
  EXPECT_EQ(description->type, GST_WEBRTC_SDP_TYPE_OFFER);
  EXPECT_EQ(MediaIds(description->sdp), (std::vector<std::string>{"audio0", "video1"}));
  EXPECT_THROW(ParseSessionDescription(GST_WEBRTC_SDP_TYPE_ANSWER, "v=0\r\ns=-\r\n"), std::invalid_argument);
}

TEST(SessionDescription, ListsTheCodecsOfAMediaKind) {
  EXPECT_EQ(MediaCodecs(kOffer, "audio"), (std::vector<std::string>{"OPUS/48000/2"}));
  EXPECT_EQ(MediaCodecs(kOffer, "video"), (std::vector<std::string>{"H264/90000"}));
  EXPECT_TRUE(MediaCodecs(kOffer, "application").empty());
  EXPECT_TRUE(MediaCodecs("garbage", "video").empty());
}

TEST(SessionDescription, AddsAReceiveCodecAfterTheSentOne) {
  auto description = ParseSessionDescription(GST_WEBRTC_SDP_TYPE_OFFER, kOffer);
  AddReceiveCodec(description->sdp, 1, 96, "VP8/90000");
  const std::string text = SdpText(description->sdp);
  EXPECT_EQ(MediaCodecs(text, "video"), (std::vector<std::string>{"H264/90000", "VP8/90000"}));
  EXPECT_NE(text.find("m=video 9 UDP/TLS/RTP/SAVPF 102 96\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("a=rtcp-fb:96 nack pli\r\n"), std::string::npos) << text;
  EXPECT_EQ(MediaCodecs(text, "audio"), (std::vector<std::string>{"OPUS/48000/2"}));
  EXPECT_THROW(AddReceiveCodec(description->sdp, 2, 97, "VP8/90000"), std::invalid_argument);
}

}  // namespace
}  // namespace plenum::test
