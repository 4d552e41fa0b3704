// Our answer when the room's own transport carries a participant
// (mixer/LocalAnswer), from offers as browsers write them.
#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mixer/LocalAnswer.hpp"
#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {
namespace {

struct SdpDeleter {
  void operator()(GstSDPMessage* message) const { gst_sdp_message_free(message); }
};
using SdpPtr = std::unique_ptr<GstSDPMessage, SdpDeleter>;

SdpPtr Parse(const std::string& text) {
  GstSDPMessage* message = nullptr;
  gst_sdp_message_new_from_text(text.c_str(), &message);
  return SdpPtr(message);
}

// A browser's video section: `formats` as on the m= line, `codecs` their
// rtpmap/fmtp/rtcp-fb lines.
std::string Video(const std::string& direction = "sendrecv", const std::string& formats = "96 97",
                  const std::string& codecs = "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n"
                                              "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\n"
                                              "a=rtpmap:97 H264/90000\r\n"
                                              "a=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\n") {
  return "m=video 9 UDP/TLS/RTP/SAVPF " + formats + "\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=" + direction +
         "\r\n" + codecs;
}

std::string Offer(const std::string& audioDirection, const std::string& audioExtras,
                  const std::string& video = Video()) {
  return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:Ab1x\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
         "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=mid:0\r\na=" +
         audioDirection +
         "\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
         "a=rtpmap:0 PCMU/8000\r\n" +
         audioExtras + video;
}

const transport::LocalTransport kLocal{"uf12", "p4ssw0rdp4ssw0rdp4ssw0rd", "01:02", transport::DtlsRole::kClient};

LocalAnswer Answer(const std::string& offerText) {
  const OfferSummary summary = InspectOffer(offerText);
  SdpPtr offer = Parse(offerText);
  return BuildLocalAnswer(*offer, summary, kLocal, 0x11223344, 0x55667788, "plenum");
}

TEST(LocalAnswer, AnswersOpusWithFecOurSsrcAndTheLevelExtension) {
  const LocalAnswer answer =
      Answer(Offer("sendrecv", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                               "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"));
  EXPECT_TRUE(answer.audio.present);
  EXPECT_EQ(answer.audio.payloadType, 111);
  EXPECT_EQ(answer.audio.levelExtensionId, 1);
  EXPECT_TRUE(answer.audio.send);
  EXPECT_TRUE(answer.audio.receive);
  EXPECT_EQ(answer.bundleMid, "0");
  EXPECT_EQ(answer.bundleMline, 0u);

  SdpPtr sdp = Parse(answer.sdp);
  ASSERT_TRUE(sdp);
  ASSERT_EQ(gst_sdp_message_medias_len(sdp.get()), 2u);
  const GstSDPMedia* audio = gst_sdp_message_get_media(sdp.get(), 0);
  EXPECT_EQ(gst_sdp_media_get_port(audio), 9u);
  EXPECT_STREQ(gst_sdp_media_get_format(audio, 0), "111");
  EXPECT_EQ(gst_sdp_media_formats_len(audio), 1u) << "only Opus";
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "fmtp"), "111 minptime=10;useinbandfec=1");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "extmap"), "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  EXPECT_EQ(gst_sdp_media_get_attribute_val_n(audio, "extmap", 1), nullptr) << "only the level extension";
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "ssrc"), "287454020 cname:plenum");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "setup"), "active");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "ice-ufrag"), "uf12");
  EXPECT_NE(gst_sdp_media_get_attribute_val(audio, "sendrecv"), nullptr);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(sdp.get(), "group"), "BUNDLE 0 1");
}

std::vector<std::string> AttributeValues(const GstSDPMedia* media, const char* key) {
  std::vector<std::string> values;
  for (guint i = 0; const char* value = gst_sdp_media_get_attribute_val_n(media, key, i); ++i) values.push_back(value);
  return values;
}

TEST(LocalAnswer, AnswersVp8BothWaysWithFeedbackAndTheCompositeSsrc) {
  const LocalAnswer answer = Answer(Offer("sendrecv", ""));
  EXPECT_TRUE(answer.video.present);
  EXPECT_EQ(answer.video.codec, VideoCodec::VP8);
  EXPECT_EQ(answer.video.payloadType, 96);
  EXPECT_TRUE(answer.video.send);
  EXPECT_TRUE(answer.video.receive);
  EXPECT_EQ(answer.video.ssrc, 0x55667788u);
  EXPECT_EQ(answer.bundleMid, "0") << "the first accepted section carries the transport";

  SdpPtr sdp = Parse(answer.sdp);
  ASSERT_TRUE(sdp);
  ASSERT_EQ(gst_sdp_message_medias_len(sdp.get()), 2u);
  const GstSDPMedia* video = gst_sdp_message_get_media(sdp.get(), 1);
  EXPECT_STREQ(gst_sdp_media_get_media(video), "video");
  EXPECT_EQ(gst_sdp_media_get_port(video), 9u);
  EXPECT_STREQ(gst_sdp_media_get_proto(video), "UDP/TLS/RTP/SAVPF");
  // VP8 first (the composite), and the offered H.264 too: a camera may
  // come in either.
  ASSERT_EQ(gst_sdp_media_formats_len(video), 2u);
  EXPECT_STREQ(gst_sdp_media_get_format(video, 0), "96");
  EXPECT_EQ(answer.video.vp8PayloadType, 96);
  EXPECT_NE(answer.video.h264PayloadType, 0);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "mid"), "1");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "sendrecv"), nullptr);
  EXPECT_EQ(AttributeValues(video, "rtpmap").front(), "96 VP8/90000");
  const std::vector<std::string> feedback = AttributeValues(video, "rtcp-fb");
  EXPECT_EQ(std::vector<std::string>(feedback.begin(), feedback.begin() + 3),
            (std::vector<std::string>{"96 nack", "96 nack pli", "96 ccm fir"}))
      << "then goog-remb, as offered (the room sends cameras REMB)";
  EXPECT_EQ(std::count(feedback.begin(), feedback.end(), "96 goog-remb"), 1);
  EXPECT_EQ(AttributeValues(video, "fmtp"), std::vector<std::string>{"97 packetization-mode=1;profile-level-id=42e01f"});
  EXPECT_EQ(AttributeValues(video, "ssrc"), std::vector<std::string>{"1432778632 cname:plenum"});
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "msid"), "plenum video");
  // The same transport as the audio section (BUNDLE), written in full.
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "ice-ufrag"), "uf12");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "setup"), "active");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "fingerprint"), nullptr);
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "rtcp-mux"), nullptr);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(sdp.get(), "group"), "BUNDLE 0 1");
}

TEST(LocalAnswer, VideoDirectionsMirrorTheOffer) {
  struct Case {
    const char* offered;
    const char* answered;
    bool send;
    bool receive;
  };
  for (const Case& c : {Case{"sendrecv", "sendrecv", true, true}, Case{"sendonly", "recvonly", false, true},
                        Case{"recvonly", "sendonly", true, false}, Case{"inactive", "inactive", false, false}}) {
    const LocalAnswer answer = Answer(Offer("sendrecv", "", Video(c.offered)));
    EXPECT_TRUE(answer.video.present) << c.offered;
    EXPECT_EQ(answer.video.send, c.send) << c.offered;
    EXPECT_EQ(answer.video.receive, c.receive) << c.offered;
    SdpPtr sdp = Parse(answer.sdp);
    const GstSDPMedia* video = gst_sdp_message_get_media(sdp.get(), 1);
    EXPECT_NE(gst_sdp_media_get_attribute_val(video, c.answered), nullptr) << c.offered;
    // Our SSRC is announced only for what we send.
    EXPECT_EQ(gst_sdp_media_get_attribute_val(video, "ssrc") != nullptr, c.send) << c.offered;
    EXPECT_EQ(gst_sdp_media_get_attribute_val(video, "msid") != nullptr, c.send) << c.offered;
  }
}

TEST(LocalAnswer, AnswersTheOffersVp8PayloadType) {
  const LocalAnswer answer =
      Answer(Offer("sendrecv", "",
                   Video("sendrecv", "100 120",
                         "a=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=1\r\na=rtpmap:120 VP8/90000\r\n")));
  EXPECT_TRUE(answer.video.present);
  EXPECT_EQ(answer.video.payloadType, 120);
  SdpPtr sdp = Parse(answer.sdp);
  const GstSDPMedia* video = gst_sdp_message_get_media(sdp.get(), 1);
  ASSERT_EQ(gst_sdp_media_formats_len(video), 2u) << "VP8 for the composite, then the H.264 a camera may send";
  EXPECT_STREQ(gst_sdp_media_get_format(video, 0), "120");
  EXPECT_STREQ(gst_sdp_media_get_format(video, 1), "100");
  EXPECT_EQ(answer.video.vp8PayloadType, 120);
  EXPECT_EQ(answer.video.h264PayloadType, 100);
  EXPECT_EQ(AttributeValues(video, "rtcp-fb"), (std::vector<std::string>{"120 nack", "120 nack pli", "120 ccm fir",
                                                                          "100 nack", "100 nack pli", "100 ccm fir"}));
}

TEST(LocalAnswer, AnH264OnlyVideoSectionIsAnsweredWithH264) {
  // The composite's H.264 encode goes out on the offer's payload type, and
  // the camera comes in on it: packetization mode 1, the offer's profile,
  // the same feedback as VP8, and the H.264 composite's own SSRC.
  const std::string offer =
      Offer("sendrecv", "",
            Video("sendrecv", "97 98",
                  "a=rtpmap:97 H264/90000\r\na=rtcp-fb:97 nack\r\na=rtcp-fb:97 goog-remb\r\n"
                  "a=fmtp:97 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
                  "a=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n"));
  const OfferSummary summary = InspectOffer(offer);
  SdpPtr parsed = Parse(offer);
  const LocalAnswer answer = BuildLocalAnswer(*parsed, summary, kLocal, 0x11223344, 0x55667788, "plenum", 0x99aabbcc);
  EXPECT_TRUE(answer.video.present);
  EXPECT_EQ(answer.video.codec, VideoCodec::H264);
  EXPECT_EQ(answer.video.payloadType, 97);
  EXPECT_TRUE(answer.video.send);
  EXPECT_TRUE(answer.video.receive);
  EXPECT_EQ(answer.video.ssrc, 0x99aabbccu) << "the H.264 composite's SSRC";
  EXPECT_TRUE(answer.audio.present);

  SdpPtr sdp = Parse(answer.sdp);
  ASSERT_TRUE(sdp);
  ASSERT_EQ(gst_sdp_message_medias_len(sdp.get()), 2u);
  const GstSDPMedia* video = gst_sdp_message_get_media(sdp.get(), 1);
  EXPECT_EQ(gst_sdp_media_get_port(video), 9u);
  ASSERT_EQ(gst_sdp_media_formats_len(video), 1u) << "only H.264, not its RTX";
  EXPECT_STREQ(gst_sdp_media_get_format(video, 0), "97");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "sendrecv"), nullptr);
  EXPECT_EQ(AttributeValues(video, "rtpmap"), std::vector<std::string>{"97 H264/90000"});
  EXPECT_EQ(AttributeValues(video, "fmtp"),
            std::vector<std::string>{"97 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"});
  EXPECT_EQ(AttributeValues(video, "rtcp-fb"), (std::vector<std::string>{"97 nack", "97 nack pli", "97 ccm fir", "97 goog-remb"}));
  EXPECT_EQ(AttributeValues(video, "ssrc"), std::vector<std::string>{"2578103244 cname:plenum"});
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "msid"), "plenum video");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "fingerprint"), nullptr);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(sdp.get(), "group"), "BUNDLE 0 1");
}

TEST(LocalAnswer, AnH264AnswerKeepsTheOfferedProfileOrNamesConstrainedBaseline) {
  struct Case {
    const char* offeredFmtp;
    const char* answeredFmtp;
  };
  for (const Case& c :
       {Case{"packetization-mode=1;profile-level-id=42001f", "96 packetization-mode=1;profile-level-id=42001f"},
        Case{"profile-level-id=640c1f;packetization-mode=1", "96 packetization-mode=1;profile-level-id=640c1f"},
        Case{"packetization-mode=1", "96 packetization-mode=1;profile-level-id=42e01f"}}) {
    const LocalAnswer answer = Answer(
        Offer("sendrecv", "",
              Video("sendrecv", "96", std::string("a=rtpmap:96 H264/90000\r\na=fmtp:96 ") + c.offeredFmtp + "\r\n")));
    EXPECT_EQ(answer.video.codec, VideoCodec::H264) << c.offeredFmtp;
    EXPECT_EQ(answer.video.ssrc, 0x55667788u) << "no H.264 SSRC given: the video SSRC";
    SdpPtr sdp = Parse(answer.sdp);
    EXPECT_EQ(AttributeValues(gst_sdp_message_get_media(sdp.get(), 1), "fmtp"),
              std::vector<std::string>{c.answeredFmtp})
        << c.offeredFmtp;
  }
}

TEST(LocalAnswer, Vp8IsPreferredWhenBothAreOffered) {
  // H.264 first in the offer's order, VP8 after it: the composite still
  // goes in VP8, the encode every room has, listed first; H.264 stays
  // answered for a camera that sends it.
  const LocalAnswer answer =
      Answer(Offer("sendrecv", "",
                   Video("sendrecv", "97 96",
                         "a=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\n"
                         "a=rtpmap:96 VP8/90000\r\n")));
  EXPECT_TRUE(answer.video.present);
  EXPECT_EQ(answer.video.codec, VideoCodec::VP8);
  EXPECT_EQ(answer.video.payloadType, 96);
  SdpPtr sdp = Parse(answer.sdp);
  const GstSDPMedia* video = gst_sdp_message_get_media(sdp.get(), 1);
  EXPECT_EQ(AttributeValues(video, "rtpmap"), (std::vector<std::string>{"96 VP8/90000", "97 H264/90000"}));
  EXPECT_EQ(answer.video.h264PayloadType, 97);
  EXPECT_EQ(AttributeValues(video, "fmtp"),
            std::vector<std::string>{"97 packetization-mode=1;profile-level-id=42e01f"});
}

TEST(LocalAnswer, ASectionTheOfferRejectsStaysRejected) {
  // Port 0 and not bundle-only: the offerer turned the video down itself.
  std::string video = Video();
  video.replace(video.find("m=video 9"), 9, "m=video 0");
  const LocalAnswer answer = Answer(Offer("sendrecv", "", video));
  EXPECT_FALSE(answer.video.present);
  EXPECT_FALSE(answer.video.send);
  EXPECT_FALSE(answer.video.receive);
  EXPECT_TRUE(answer.audio.present);
  SdpPtr sdp = Parse(answer.sdp);
  ASSERT_EQ(gst_sdp_message_medias_len(sdp.get()), 2u);
  const GstSDPMedia* rejected = gst_sdp_message_get_media(sdp.get(), 1);
  EXPECT_EQ(gst_sdp_media_get_port(rejected), 0u);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(rejected, "mid"), "1");
  EXPECT_EQ(gst_sdp_media_get_attribute_val(rejected, "ssrc"), nullptr);
  // Still with a fingerprint: webrtcbin 1.22 refuses an answer whose
  // rejected section has none.
  EXPECT_NE(gst_sdp_media_get_attribute_val(rejected, "fingerprint"), nullptr);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(sdp.get(), "group"), "BUNDLE 0") << "not bundled";
}

TEST(LocalAnswer, DirectionsMirrorTheOffer) {
  struct Case {
    const char* offered;
    const char* answered;
    bool send;
    bool receive;
  };
  for (const Case& c : {Case{"sendrecv", "sendrecv", true, true}, Case{"sendonly", "recvonly", false, true},
                        Case{"recvonly", "sendonly", true, false}, Case{"inactive", "inactive", false, false}}) {
    const LocalAnswer answer = Answer(Offer(c.offered, ""));
    EXPECT_EQ(answer.audio.send, c.send) << c.offered;
    EXPECT_EQ(answer.audio.receive, c.receive) << c.offered;
    SdpPtr sdp = Parse(answer.sdp);
    EXPECT_NE(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp.get(), 0), c.answered), nullptr)
        << c.offered;
    EXPECT_EQ(answer.audio.levelExtensionId, 0) << "no extension offered";
  }
}

TEST(LocalAnswer, ExtensionIdsTheOneByteFormCannotCarryAreIgnored) {
  for (const char* line : {"a=extmap:15 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
                           "a=extmap:0 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
                           "a=extmap:x urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
                           "a=extmap:3urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"})
    EXPECT_EQ(Answer(Offer("sendrecv", line)).audio.levelExtensionId, 0) << line;
  EXPECT_EQ(Answer(Offer("sendrecv", "a=extmap:4/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n"))
                .audio.levelExtensionId,
            4);
}

TEST(LocalAnswer, AnOfferWithoutUsableAudioIsRefused) {
  const std::string videoOnly =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n";
  EXPECT_THROW(Answer(videoOnly), OfferError);
}

}  // namespace
}  // namespace plenum::mixer
