// Two MediaClients negotiated with each other in-process, the answerer's
// descriptions and candidates carried by a direct wire instead of a server.
// Proves the client library (send branches, ICE on loopback, decoding,
// analysis) on its own, so an e2e failure points at the server.

#include "testclient/Analysis.hpp"
#include "testclient/MediaClient.hpp"
#include "testclient/TimeoutScale.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

// Carries one client's local negotiation to another client.
class Wire : public MediaClient::Listener {
 public:
  void Attach(MediaClient* peer) {
    std::lock_guard lock(mutex_);
    peer_ = peer;
  }

  void OnLocalDescription(MediaClient::SdpType type, const std::string& sdp) override {
    std::lock_guard lock(mutex_);
    if (peer_) peer_->SetRemoteDescription(type, sdp);
  }

  void OnLocalCandidate(unsigned mlineIndex, const std::string&, const std::string& candidate) override {
    std::lock_guard lock(mutex_);
    candidates_.push_back(candidate);
    if (peer_) peer_->AddRemoteCandidate(mlineIndex, candidate);
  }

  std::vector<std::string> Candidates() {
    std::lock_guard lock(mutex_);
    return candidates_;
  }

 private:
  std::vector<std::string> candidates_;
  std::mutex mutex_;  // held while calling the peer, so Attach(nullptr) waits for a call to end
  MediaClient* peer_ = nullptr;
};

MediaClientOptions Options(std::string name, double toneHz, std::uint32_t colour, VideoCodec codec = VideoCodec::kVp8) {
  MediaClientOptions options;
  options.name = std::move(name);
  options.toneHz = toneHz;
  options.colourArgb = colour;
  options.videoCodec = codec;
  return options;
}

// An offerer and an answerer wired to each other.
class Pair {
 public:
  Pair(MediaClientOptions offerer, MediaClientOptions answerer)
      : offerer_(std::make_unique<MediaClient>(std::move(offerer), toAnswerer_)),
        answerer_(std::make_unique<MediaClient>(std::move(answerer), toOfferer_)) {
    toAnswerer_.Attach(answerer_.get());
    toOfferer_.Attach(offerer_.get());
  }

  ~Pair() {
    toAnswerer_.Attach(nullptr);
    toOfferer_.Attach(nullptr);
  }

  MediaClient& Offerer() { return *offerer_; }
  // What the offerer sent the answerer.
  std::vector<std::string> OffererCandidates() { return toAnswerer_.Candidates(); }
  MediaClient& Answerer() { return *answerer_; }

  ::testing::AssertionResult Connect(std::chrono::milliseconds timeout) {
    offerer_->CreateOffer();
    if (offerer_->WaitConnected(timeout) && answerer_->WaitConnected(timeout)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "not connected:\n  " << offerer_->Describe() << "\n  "
                                         << answerer_->Describe();
  }

 private:
  Wire toAnswerer_;
  Wire toOfferer_;
  std::unique_ptr<MediaClient> offerer_;
  std::unique_ptr<MediaClient> answerer_;
};

constexpr std::size_t kSecond = ReceivedMedia::kSampleRate;

TEST(Loopback, TwoClientsHearAndSeeEachOther) {
  Pair pair(Options("alice", 440.0, 0xFFFF0000), Options("bob", 660.0, 0xFF0000FF));
  ASSERT_TRUE(pair.Connect(15s));

  // ICE gathered on loopback only, UDP only, and said when it was done.
  ASSERT_TRUE(pair.Offerer().WaitStatus(
      [](const MediaClient::Status& s) { return s.gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE; }, 10s))
      << pair.Offerer().Describe();
  // The wire delivers candidates on its own thread: wait (bounded) for the
  // end-of-candidates marker to have crossed it.
  std::vector<std::string> candidates = pair.OffererCandidates();
  for (const auto deadline = std::chrono::steady_clock::now() + Scaled(5s);
       (candidates.empty() || !candidates.back().empty()) && std::chrono::steady_clock::now() < deadline;
       candidates = pair.OffererCandidates()) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GE(candidates.size(), 2u);
  for (std::size_t i = 0; i + 1 < candidates.size(); ++i) {
    EXPECT_NE(candidates[i].find(" 127.0.0.1 "), std::string::npos) << candidates[i];
    EXPECT_NE(candidates[i].find(" UDP "), std::string::npos) << candidates[i];
  }
  EXPECT_EQ(candidates.back(), "") << "no end-of-candidates marker";

  for (MediaClient* client : {&pair.Offerer(), &pair.Answerer()}) {
    const bool isAlice = client == &pair.Offerer();
    const double own = isAlice ? 440.0 : 660.0;
    const double other = isAlice ? 660.0 : 440.0;
    const Rgb otherColour = RgbFromArgb(isAlice ? 0xFF0000FF : 0xFFFF0000);

    ASSERT_TRUE(client->Received().WaitForMoreAudio(kSecond, 10s)) << client->Describe();
    const auto audio = client->Received().LastAudio(kSecond);
    const double otherDb = ToneLevelDb(audio, other, 1500.0, kSecond);
    const double ownDb = ToneLevelDb(audio, own, other, kSecond);
    std::cout << client->Options().name << ": " << other << " Hz at " << otherDb << " dB over 1500 Hz, own " << own
              << " Hz at " << ownDb << " dB under it\n";
    EXPECT_GT(otherDb, 30.0);
    EXPECT_LT(ownDb, -30.0);

    ASSERT_TRUE(client->Received().WaitForMoreVideo(5, 10s)) << client->Describe();
    const auto frame = client->Received().LastVideoFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->width, 320);
    EXPECT_EQ(frame->height, 240);
    EXPECT_GT(ColourShare(*frame, otherColour, 48), 0.9) << client->Describe();
  }
}

// Both send H.264 (the offer also lists VP8 for receiving, which the
// answerer, sending H.264 only, leaves out).
TEST(Loopback, H264VideoIsDecoded) {
  Pair pair(Options("h264-green", 440.0, 0xFF00FF00, VideoCodec::kH264),
            Options("h264-blue", 660.0, 0xFF0000FF, VideoCodec::kH264));
  ASSERT_TRUE(pair.Connect(15s));
  EXPECT_NE(pair.Offerer().LocalSdp().find("VP8/90000"), std::string::npos) << pair.Offerer().LocalSdp();
  for (auto [client, colour] : {std::pair{&pair.Answerer(), 0xFF00FF00u}, std::pair{&pair.Offerer(), 0xFF0000FFu}}) {
    const ReceivedMedia& received = client->Received();
    EXPECT_TRUE(received.WaitUntil(
        [&] {
          const auto frame = received.LastVideoFrame();
          return frame && ColourShare(*frame, RgbFromArgb(colour), 48) > 0.9;
        },
        10s))
        << client->Describe();
  }
}

TEST(Loopback, AClientThatSendsNoVideoStillReceivesIt) {
  MediaClientOptions audioOnly = Options("audio-only", 440.0, 0);
  audioOnly.sendVideo = false;
  Pair pair(audioOnly, Options("full", 660.0, 0xFF0000FF));
  ASSERT_TRUE(pair.Connect(15s));

  EXPECT_TRUE(pair.Offerer().Received().WaitForMoreVideo(5, 10s)) << pair.Offerer().Describe();
  EXPECT_TRUE(pair.Answerer().Received().WaitForMoreAudio(kSecond / 2, 10s)) << pair.Answerer().Describe();
  EXPECT_EQ(pair.Answerer().Received().Snapshot().videoFrames, 0u);
}

// As browsers do, a client may send the RFC 6464 level of each packet; its
// offer names the extension and the call works as before.
TEST(Loopback, AudioLevelsAreOfferedAndTheCallStillWorks) {
  MediaClientOptions withLevels = Options("levels", 440.0, 0xFFFF0000);
  withLevels.sendAudioLevel = true;
  Pair pair(withLevels, Options("plain", 660.0, 0xFF0000FF));
  ASSERT_TRUE(pair.Connect(Scaled(15s)));
  EXPECT_NE(pair.Offerer().LocalSdp().find("urn:ietf:params:rtp-hdrext:ssrc-audio-level"), std::string::npos)
      << pair.Offerer().LocalSdp();
  ASSERT_TRUE(pair.Answerer().Received().WaitForMoreAudio(kSecond, Scaled(10s))) << pair.Answerer().Describe();
  EXPECT_GT(ToneLevelDb(pair.Answerer().Received().LastAudio(kSecond), 440.0, 1500.0, kSecond), 30.0);
}

TEST(Loopback, AGarbageRemoteDescriptionIsReportedNotFatal) {
  Wire nowhere;
  MediaClient client(Options("lonely", 440.0, 0xFFFF0000), nowhere);
  client.CreateOffer();
  ASSERT_TRUE(client.WaitLocalDescription(10s)) << client.Describe();

  client.SetRemoteDescription(MediaClient::SdpType::kAnswer, "this is not SDP");
  EXPECT_FALSE(client.WaitConnected(5s));
  EXPECT_FALSE(client.GetStatus().error.empty()) << client.Describe();
}

}  // namespace
}  // namespace plenum::test
