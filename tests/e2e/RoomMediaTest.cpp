// A room's media on our own transport and engine (mixer/RoomMedia: one
// WebRtcTransport per participant, the selective AudioEngine, RoomVideo's
// composite, one media worker), with webrtcbin test clients as the
// participants, in one process over loopback and with no server. Each must
// hear the others and never themselves, and see every camera in the
// composite. The clients send no audio levels, so this also proves the
// engine's measure-by-decoding path end to end.

#include "mixer/OfferInspector.hpp"
#include "mixer/RoomMedia.hpp"
#include "support/RoomMediaConference.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/MediaClient.hpp"
#include "testclient/TimeoutScale.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/MediaWorker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using transport::WebRtcTransport;

constexpr std::size_t kSecond = ReceivedMedia::kSampleRate;

constexpr uint32_t kRed = 0xFFFF0000;
constexpr uint32_t kGreen = 0xFF00FF00;
constexpr uint32_t kBlue = 0xFF0000FF;
// The composite, smaller than a room's default 1280x720 so that three
// clients decoding it and the room encoding it fit a small test machine.
constexpr int kCompositeWidth = 640;
constexpr int kCompositeHeight = 360;
// A solid colour through VP8 twice (camera, composite) and I420: what the
// e2e media test allows too.
constexpr int kColourTolerance = 60;
// The least share of the composite a camera's colour must cover to count
// as shown: three cameras fill a 2x2 grid of 320x180 tiles, each 4:3
// picture letterboxed to 240x180, 18.75 % of the frame each.
constexpr double kMinTileShare = 0.03;

using Clock = std::chrono::steady_clock;

class Conference : public RoomMediaConference {
 public:
  Conference() : RoomMediaConference(LoopbackOptions(kCompositeWidth, kCompositeHeight)) {}
};

::testing::AssertionResult HearsOthersNotSelf(MediaClient& client, double own, std::vector<double> others) {
  if (!client.Received().WaitForMoreAudio(kSecond, Scaled(10s)))
    return ::testing::AssertionFailure() << client.Options().name << " received no audio: " << client.Describe(true);
  const auto audio = client.Received().LastAudio(kSecond);
  std::string report = client.Options().name + ":";
  bool ok = true;
  for (double hz : others) {
    const double db = ToneLevelDb(audio, hz, 1500.0, kSecond);
    report += " " + std::to_string(int(hz)) + " Hz at " + std::to_string(db) + " dB;";
    ok = ok && db > 20.0;
  }
  const double ownDb = ToneLevelDb(audio, own, others.front(), kSecond);
  report += " own " + std::to_string(int(own)) + " Hz " + std::to_string(ownDb) + " dB under";
  ok = ok && ownDb < -20.0;
  std::cout << report << "\n";
  return ok ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << report;
}

struct Shares {
  std::vector<double> of;  // per colour asked, 0..1
  int width = 0;
  int height = 0;
};

Shares MeasureShares(const MediaClient& client, const std::vector<uint32_t>& colours) {
  Shares shares;
  const auto frame = client.Received().LastVideoFrame();
  for (uint32_t colour : colours)
    shares.of.push_back(frame ? ColourShare(*frame, RgbFromArgb(colour), kColourTolerance) : 0.0);
  if (frame) {
    shares.width = frame->width;
    shares.height = frame->height;
  }
  return shares;
}

std::string Describe(const Shares& shares) {
  std::string text = std::to_string(shares.width) + "x" + std::to_string(shares.height) + ":";
  for (double share : shares.of) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " %.1f %%", 100.0 * share);
    text += percent;
  }
  return text;
}

// Waits until the client's last composite frame shows each of `present`
// on a share of it within [minShare, maxShare] and none of `absent`; says
// what it saw.
::testing::AssertionResult SeesComposite(const MediaClient& client, const std::vector<uint32_t>& present,
                                         const std::vector<uint32_t>& absent = {}, double minShare = kMinTileShare,
                                         double maxShare = 1.0) {
  std::vector<uint32_t> colours = present;
  colours.insert(colours.end(), absent.begin(), absent.end());
  Shares shares;
  const auto start = Clock::now();
  const bool seen = client.Received().WaitUntil(
      [&] {
        shares = MeasureShares(client, colours);
        for (size_t i = 0; i < colours.size(); ++i) {
          const bool wanted = i < present.size();
          if (wanted ? shares.of[i] < minShare || shares.of[i] > maxShare : shares.of[i] > 0.005) return false;
        }
        return shares.width > 0;
      },
      Scaled(20s));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << client.Options().name << " sees " << Describe(shares) << " (settled in " << seconds << " s)\n";
  if (!seen)
    return ::testing::AssertionFailure() << client.Options().name << " sees " << Describe(shares) << ": "
                                         << client.Describe(true);
  if (shares.width != kCompositeWidth || shares.height != kCompositeHeight)
    return ::testing::AssertionFailure() << client.Options().name << " sees a composite of " << shares.width << "x"
                                         << shares.height;
  return ::testing::AssertionSuccess();
}

// Frames per second the client decodes over the next two seconds.
double MeasureFrameRate(const MediaClient& client) {
  const auto start = Clock::now();
  const uint64_t before = client.Received().Snapshot().videoFrames;
  // Frames keep arriving; each one re-checks the time.
  client.Received().WaitUntil([&] { return Clock::now() - start >= 2s; }, Scaled(10s));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(client.Received().Snapshot().videoFrames - before) / seconds;
}

TEST(RoomMedia, ThreeWebrtcbinClientsHearEachOtherNeverThemselves) {
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0);
  MediaClient& b = conference.Join("b", 660.0);
  MediaClient& c = conference.Join("c", 880.0);
  for (MediaClient* client : {&a, &b, &c})
    ASSERT_TRUE(client->WaitConnected(Scaled(15s))) << client->Describe() << "\n" << conference.Notes();

  EXPECT_TRUE(HearsOthersNotSelf(a, 440.0, {660.0, 880.0}));
  EXPECT_TRUE(HearsOthersNotSelf(b, 660.0, {440.0, 880.0}));
  EXPECT_TRUE(HearsOthersNotSelf(c, 880.0, {440.0, 660.0}));

  const auto counters = conference.AudioCounters();
  std::cout << "engine: " << counters.ticks << " ticks, " << counters.decodes << " decodes, " << counters.encodes
            << " encodes, " << counters.concealed << " concealed, " << counters.packetsOut << " packets out\n";
  EXPECT_EQ(counters.decodersCreated, 3u);
  EXPECT_LE(counters.encodersCreated, 4u);
  const auto tick = conference.TickStats();
  std::cout << "tick: " << tick.ticks << " ticks, " << tick.lateTicks << " late, max lateness "
            << tick.maxLatenessUs << " us\n";
}

TEST(RoomMedia, WhoLeavesIsNoLongerHeard) {
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0);
  MediaClient& b = conference.Join("b", 660.0);
  conference.Join("c", 880.0);
  ASSERT_TRUE(a.WaitConnected(Scaled(15s))) << conference.Notes();
  ASSERT_TRUE(b.WaitConnected(Scaled(15s))) << conference.Notes();
  ASSERT_TRUE(HearsOthersNotSelf(a, 440.0, {660.0, 880.0}));

  conference.Leave("c");
  // A second of audio that began after the leave.
  ASSERT_TRUE(a.Received().WaitForMoreAudio(kSecond + kSecond / 2, Scaled(10s)));
  const auto audio = a.Received().LastAudio(kSecond);
  EXPECT_GT(ToneLevelDb(audio, 660.0, 1500.0, kSecond), 20.0);
  EXPECT_LT(ToneLevelDb(audio, 880.0, 660.0, kSecond), -20.0) << "c still heard after leaving";
}

TEST(RoomMedia, AnOfferWithoutOpusIsRefusedAndChangesNothing) {
  // InspectOffer's verdict, through RoomMedia: nothing is created.
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0);
  ASSERT_TRUE(a.WaitConnected(Scaled(15s))) << conference.Notes();
  const std::string bad = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
                          "a=rtpmap:0 PCMU/8000\r\n";
  // (Post through a wire as a client would.)
  Conference::Wire wire(conference, "mallory");
  wire.OnLocalDescription(MediaClient::SdpType::kOffer, bad);
  ASSERT_TRUE(a.Received().WaitForMoreAudio(kSecond / 2, Scaled(10s)));
  EXPECT_NE(conference.Notes().find("mallory: offer refused"), std::string::npos) << conference.Notes();
}

TEST(RoomMedia, EveryoneReceivesTheCompositeOfEveryCamera) {
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0, kRed);
  MediaClient& b = conference.Join("b", 660.0, kGreen);
  MediaClient& c = conference.Join("c", 880.0, kBlue);
  for (MediaClient* client : {&a, &b, &c})
    ASSERT_TRUE(client->WaitConnected(Scaled(15s))) << client->Describe() << "\n" << conference.Notes();

  // The composite is the room's (640x360), every camera has a tile in it,
  // and it keeps coming.
  for (MediaClient* client : {&a, &b, &c}) {
    EXPECT_TRUE(SeesComposite(*client, {kRed, kGreen, kBlue})) << conference.VideoReport();
    // And the layout settles: 2x2 tiles of 320x180, each 4:3 camera
    // letterboxed to 240x180 (18.75 % of the frame).
    EXPECT_TRUE(SeesComposite(*client, {kRed, kGreen, kBlue}, {}, 0.17, 0.20)) << conference.VideoReport();
    ASSERT_TRUE(client->Received().WaitForMoreVideo(10, Scaled(10s))) << client->Describe(true);
  }
  for (MediaClient* client : {&a, &b, &c}) {
    const double fps = MeasureFrameRate(*client);
    std::cout << client->Options().name << " receives " << fps << " frames/s\n";
    EXPECT_GT(fps, 5.0) << client->Describe(true);
  }
  // And sound still goes with it.
  EXPECT_TRUE(HearsOthersNotSelf(a, 440.0, {660.0, 880.0}));
  std::cout << conference.VideoReport() << "\n";
  EXPECT_EQ(conference.Cameras(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(RoomMedia, AClientWithoutACameraStillReceivesTheComposite) {
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0, kRed);
  MediaClient& b = conference.Join("b", 660.0);  // no camera
  ASSERT_TRUE(a.WaitConnected(Scaled(15s))) << conference.Notes();
  ASSERT_TRUE(b.WaitConnected(Scaled(15s))) << conference.Notes();
  // One camera: one tile, the whole canvas.
  EXPECT_TRUE(SeesComposite(b, {kRed})) << conference.VideoReport();
  ASSERT_TRUE(b.Received().WaitForMoreVideo(10, Scaled(10s))) << b.Describe(true);
  EXPECT_TRUE(SeesComposite(a, {kRed}));
  std::cout << "b (no camera) receives " << MeasureFrameRate(b) << " frames/s\n";
  EXPECT_EQ(conference.Cameras(), std::vector<std::string>{"a"}) << "b has no tile";
}

TEST(RoomMedia, ALeavingCameraLeavesTheComposite) {
  Conference conference;
  MediaClient& a = conference.Join("a", 440.0, kRed);
  MediaClient& b = conference.Join("b", 660.0, kGreen);
  MediaClient& c = conference.Join("c", 880.0, kBlue);
  for (MediaClient* client : {&a, &b, &c})
    ASSERT_TRUE(client->WaitConnected(Scaled(15s))) << client->Describe() << "\n" << conference.Notes();
  ASSERT_TRUE(SeesComposite(a, {kRed, kGreen, kBlue})) << conference.VideoReport();

  conference.Leave("c");
  // Two tiles side by side now, 320x360 each, every 4:3 camera letterboxed
  // to 320x240 in its tile (a third of the frame once its decoder scales
  // to the new size; more while the compositor still stretches the old
  // one), and no blue.
  EXPECT_TRUE(SeesComposite(a, {kRed, kGreen}, {kBlue}, 0.30, 0.36)) << conference.VideoReport();
  EXPECT_TRUE(SeesComposite(b, {kRed, kGreen}, {kBlue}, 0.30, 0.36)) << conference.VideoReport();
  ASSERT_TRUE(a.Received().WaitForMoreVideo(10, Scaled(10s))) << a.Describe(true);
  EXPECT_EQ(conference.Cameras(), (std::vector<std::string>{"a", "b"}));
}

// Clients that send RFC 6464 levels (as browsers do) are chosen from them:
// a participant who is silent is never decoded. Without levels, the same
// room decodes everyone to measure them.
TEST(RoomMedia, AudioLevelsSpareTheDecodesOfTheSilent) {
  for (const bool levels : {true, false}) {
    Conference conference;
    std::vector<MediaClient*> clients;
    for (auto [id, hz] : {std::pair{"a", 440.0}, std::pair{"b", 660.0}, std::pair{"c", 880.0}}) {
      MediaClientOptions options;
      options.toneHz = hz;
      options.sendVideo = false;
      options.sendAudioLevel = levels;
      clients.push_back(&conference.JoinWith(id, options));
    }
    MediaClientOptions quiet;
    quiet.toneVolume = 0.0;
    quiet.sendVideo = false;
    quiet.sendAudioLevel = levels;
    MediaClient& listener = conference.JoinWith("listener", quiet);
    for (MediaClient* client : clients)
      ASSERT_TRUE(client->WaitConnected(Scaled(15s))) << client->Describe() << "\n" << conference.Notes();
    ASSERT_TRUE(listener.WaitConnected(Scaled(15s))) << conference.Notes();

    EXPECT_TRUE(HearsOthersNotSelf(*clients[0], 440.0, {660.0, 880.0})) << "levels " << levels;
    ASSERT_TRUE(listener.Received().WaitForMoreAudio(kSecond, Scaled(10s)));
    for (double hz : {440.0, 660.0, 880.0})
      EXPECT_GT(ToneLevelDb(listener.Received().LastAudio(kSecond), hz, 1500.0, kSecond), 20.0) << hz;
    const auto counters = conference.AudioCounters();
    std::cout << (levels ? "with" : "without") << " levels: " << counters.decodersCreated << " decoders, "
              << counters.decodes << " decodes in " << counters.ticks << " ticks\n";
    EXPECT_EQ(counters.decodersCreated, levels ? 3u : 4u) << clients[0]->LocalSdp() << "\n---\n" << clients[0]->RemoteSdp();
  }
}

// The protocol's `speaker` message comes from the engine's levels.
TEST(RoomMedia, TheLoudestIsTheActiveSpeaker) {
  Conference conference;
  MediaClientOptions loud;
  loud.toneHz = 440.0;
  loud.sendVideo = false;
  MediaClientOptions soft = loud;
  soft.toneHz = 660.0;
  soft.toneVolume = 0.02;
  MediaClient& a = conference.JoinWith("soft", soft);
  MediaClient& b = conference.JoinWith("loud", loud);
  ASSERT_TRUE(a.WaitConnected(Scaled(15s))) << conference.Notes();
  ASSERT_TRUE(b.WaitConnected(Scaled(15s))) << conference.Notes();
  // Whoever connected first may have had the floor alone for a moment;
  // once both talk, the loud one takes it and keeps it.
  auto lastSpeaker = [&] {
    const std::string notes = conference.Notes();
    const size_t at = notes.rfind("speaker ");
    return at == std::string::npos ? std::string() : notes.substr(at, notes.find('\n', at) - at);
  };
  EXPECT_TRUE(a.Received().WaitUntil([&] { return lastSpeaker() == "speaker loud"; }, Scaled(10s)))
      << conference.Notes();
  ASSERT_TRUE(a.Received().WaitForMoreAudio(kSecond, Scaled(10s)));
  EXPECT_EQ(lastSpeaker(), "speaker loud") << conference.Notes();
}

}  // namespace
}  // namespace plenum::test
