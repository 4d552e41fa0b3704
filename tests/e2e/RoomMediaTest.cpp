// A room's audio on our own transport and engine (mixer/RoomMedia: one
// WebRtcTransport per participant, the selective AudioEngine, one media
// worker), with webrtcbin test clients as the participants, in one
// process over loopback and with no server. Each must hear the others and
// never themselves. The clients send no audio levels, so this also proves
// the engine's measure-by-decoding path end to end.

#include "mixer/OfferInspector.hpp"
#include "mixer/RoomMedia.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/MediaClient.hpp"
#include "testclient/TimeoutScale.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/MediaWorker.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using transport::WebRtcTransport;

constexpr std::size_t kSecond = ReceivedMedia::kSampleRate;

// The room and its worker; clients reach it through Wires.
class Conference : public mixer::RoomMedia::Listener {
 public:
  Conference() : certificate_(transport::DtlsCertificate::Generate()) {
    worker_.Invoke([this] {
      mixer::RoomMedia::Options options;
      options.ice.localAddresses = {"127.0.0.1"};
      options.ice.tcp = false;
      room_ = std::make_unique<mixer::RoomMedia>(*this, worker_, certificate_, options);
    });
  }
  ~Conference() override {
    {
      std::lock_guard lock(mutex_);
      clients_.clear();
    }
    worker_.Invoke([this] { room_.reset(); });
  }

  // A client's half of the negotiation, carried to the room.
  class Wire : public MediaClient::Listener {
   public:
    Wire(Conference& conference, std::string id) : conference_(conference), id_(std::move(id)) {}
    void OnLocalDescription(MediaClient::SdpType, const std::string& sdp) override {
      conference_.worker_.Post([this, sdp] {
        try {
          conference_.room_->ApplyOffer(id_, sdp);
        } catch (const std::exception& error) {
          conference_.Note(id_ + ": offer refused: " + error.what());
        }
      });
    }
    void OnLocalCandidate(unsigned, const std::string&, const std::string& candidate) override {
      conference_.worker_.Post([this, candidate] {
        if (!conference_.room_) return;
        if (candidate.empty())
          conference_.room_->EndOfRemoteCandidates(id_);
        else
          conference_.room_->AddRemoteCandidate(id_, candidate);
      });
    }

   private:
    Conference& conference_;
    const std::string id_;
  };

  MediaClient& Join(const std::string& id, double toneHz) {
    MediaClientOptions options;
    options.name = id;
    options.toneHz = toneHz;
    options.sendVideo = false;
    auto wire = std::make_unique<Wire>(*this, id);
    auto client = std::make_unique<MediaClient>(options, *wire);
    MediaClient& joined = *client;
    {
      std::lock_guard lock(mutex_);
      wires_.push_back(std::move(wire));
      clients_[id] = std::move(client);
    }
    joined.CreateOffer();
    return joined;
  }

  void Leave(const std::string& id) {
    worker_.Invoke([&] { room_->RemoveParticipant(id); });
    std::lock_guard lock(mutex_);
    clients_.erase(id);
  }

  // RoomMedia::Listener, on the worker.
  void OnAnswer(const std::string& participant, const std::string& sdp) override {
    std::lock_guard lock(mutex_);
    if (auto client = clients_.find(participant); client != clients_.end())
      client->second->SetRemoteDescription(MediaClient::SdpType::kAnswer, sdp);
  }
  void OnLocalCandidate(const std::string& participant, unsigned mlineIndex, const std::string&,
                        const std::string& candidate) override {
    std::lock_guard lock(mutex_);
    if (auto client = clients_.find(participant); client != clients_.end())
      client->second->AddRemoteCandidate(mlineIndex, candidate);
  }
  void OnTransportState(const std::string& participant, WebRtcTransport::State state,
                        const std::string& reason) override {
    Note(participant + " " + WebRtcTransport::ToString(state) + (reason.empty() ? "" : " (" + reason + ")"));
  }

  std::string Notes() {
    std::lock_guard lock(mutex_);
    return notes_;
  }
  mixer::AudioEngine::Counters AudioCounters() {
    mixer::AudioEngine::Counters counters;
    worker_.Invoke([&] { counters = room_->Audio().GetCounters(); });
    return counters;
  }
  transport::PeriodicTimer::Stats TickStats() {
    transport::PeriodicTimer::Stats stats;
    worker_.Invoke([&] { stats = room_->Tick().GetStats(); });
    return stats;
  }

 private:
  void Note(const std::string& line) {
    std::lock_guard lock(mutex_);
    notes_ += line + "\n";
  }

  transport::MediaWorker worker_{"test-media"};
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  std::unique_ptr<mixer::RoomMedia> room_;  // made, used and destroyed on the worker
  std::mutex mutex_;  // held while calling a client, so a client is not destroyed mid-call
  std::vector<std::unique_ptr<Wire>> wires_;
  std::map<std::string, std::unique_ptr<MediaClient>> clients_;
  std::string notes_;
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

}  // namespace
}  // namespace plenum::test
