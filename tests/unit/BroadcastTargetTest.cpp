// What a broadcast request may name, and what of it may be shown.

#include "broadcast/BroadcastTarget.hpp"
#include "signaling/HlsFiles.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace plenum::broadcast {
namespace {

class BroadcastTargetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }  // GstUri needs it
};

TEST_F(BroadcastTargetTest, RtmpUrlsKeepTheirApplicationAndHideTheStreamKey) {
  const BroadcastTarget target = ParseBroadcastTarget("rtmp", "rtmp://live.example.org:1935/app/sk-1234?auth=xyz9");
  EXPECT_EQ(target.kind, BroadcastKind::Rtmp);
  EXPECT_EQ(target.url, "rtmp://live.example.org:1935/app/sk-1234?auth=xyz9");
  EXPECT_EQ(target.shown, "rtmp://live.example.org:1935/app/***");
  EXPECT_EQ(ParseBroadcastTarget("rtmp", "rtmps://a.example/x/y/key").shown, "rtmps://a.example/x/y/***");
}

TEST_F(BroadcastTargetTest, SrtUrlsHideTheirOptions) {
  EXPECT_EQ(ParseBroadcastTarget("srt", "srt://10.0.0.5:9000?streamid=secret&passphrase=pw123456").shown,
            "srt://10.0.0.5:9000?***");
  EXPECT_EQ(ParseBroadcastTarget("srt", "srt://10.0.0.5:9000").shown, "srt://10.0.0.5:9000");
  EXPECT_EQ(ParseBroadcastTarget("srt", "srt://10.0.0.5:9000?mode=caller").kind, BroadcastKind::Srt);
}

TEST_F(BroadcastTargetTest, HlsTakesNoUrl) {
  EXPECT_EQ(ParseBroadcastTarget("hls", "").kind, BroadcastKind::Hls);
  EXPECT_THROW(ParseBroadcastTarget("hls", "rtmp://a/b/c"), BadBroadcastRequest);
}

TEST_F(BroadcastTargetTest, RefusesWhatCannotBeSentTo) {
  for (const auto& [kind, url] : std::vector<std::pair<std::string, std::string>>{
           {"webrtc", "rtmp://a/b/c"},
           {"", ""},
           {"rtmp", ""},
           {"rtmp", "http://a/b/c"},
           {"rtmp", "rtmp://a/onlyapp"},
           {"rtmp", "rtmp:///b/c"},
           {"rtmp", "rtmp://a/b/c d"},
           {"rtmp", "rtmp://a/b/c\n"},
           {"rtmp", "not a url"},
           {"rtmp", "rtmp://a/b/" + std::string(3000, 'k')},
           {"srt", "srt://a"},
           {"srt", "srt://a:0"},
           {"srt", "srt://a:9000?mode=listener"},
           {"srt", "srt://a:9000?mode=rendezvous"},
           {"srt", "srt://a:9000/path"},
           {"srt", "udp://a:9000"},
       }) {
    EXPECT_THROW(ParseBroadcastTarget(kind, url), BadBroadcastRequest) << kind << " " << url;
  }
}

TEST_F(BroadcastTargetTest, ErrorsLoseTheSecretsTheyQuote) {
  const BroadcastTarget rtmp = ParseBroadcastTarget("rtmp", "rtmp://h/app/sk-1234?auth=xyz9");
  EXPECT_EQ(RedactSecrets(rtmp, "cannot publish rtmp://h/app/sk-1234?auth=xyz9"), "cannot publish ***");
  EXPECT_EQ(RedactSecrets(rtmp, "stream sk-1234 refused, auth xyz9"), "stream *** refused, auth ***");
  const BroadcastTarget srt = ParseBroadcastTarget("srt", "srt://h:9000?streamid=room-7-key&latency=120");
  EXPECT_EQ(RedactSecrets(srt, "stream id room-7-key rejected"), "stream id *** rejected");
  EXPECT_EQ(RedactSecrets(srt, "Connection does not exist"), "Connection does not exist");
}

TEST(HlsFileNameTest, OnlyThePlaylistAndItsSegmentsAreServed) {
  EXPECT_TRUE(signaling::IsHlsFileName("index.m3u8"));
  EXPECT_TRUE(signaling::IsHlsFileName("b0123abcd-00042.ts"));
  for (const char* name : {"", "index.m3u", "..", ".goutputstream-ABC123", "b0123ABCD-00042.ts", "b0123abcd-0004x.ts",
                           "b0123abcd-00042.tsx", "x0123abcd-00042.ts", "b0123abcd_00042.ts", "../index.m3u8"}) {
    EXPECT_FALSE(signaling::IsHlsFileName(name)) << name;
  }
}

}  // namespace
}  // namespace plenum::broadcast
