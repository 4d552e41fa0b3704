// Media through the server: every participant hears the mix of the others
// (never itself) and sees the others in the composite, whatever they send.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/SessionDescription.hpp"

#include <algorithm>
#include <cstdio>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kOneSecond = ReceivedMedia::kSampleRate;
// Frequencies no tone of the tests sits on, nor a low harmonic or
// intermodulation product of them: their loudest is the noise floor.
constexpr double kNoiseProbesHz[] = {1234.0, 1500.0, 2100.0};
// VP8 (4:2:0) smears and shifts pure colours at tile edges; the tile
// interiors stay within this of the source colour.
constexpr int kColourTolerance = 60;

// A valid Opus + VP8 offer from a peer that will never be reached: no
// candidates follow, nobody answers the server's connectivity checks, so
// its DTLS never starts and the server's sending side for it stays blocked,
// as it does for any participant until their connection is up.
const std::string kUnreachableOffer = UnreachableOpusVp8Offer();

struct Sender {
  std::string name;
  double toneHz;
  std::uint32_t colour;
  VideoCodec codec = VideoCodec::kVp8;
  bool receivesVp8 = true;  // false: offers H.264 only, so gets the composite in H.264
};

struct MixLevels {
  std::vector<double> othersOverNoiseDb;  // each other participant's tone over the noise floor
  double ownUnderWeakestDb = 0.0;         // own tone relative to the weakest other tone
};

MixLevels MeasureMix(const std::vector<float>& audio, double ownHz, const std::vector<double>& othersHz) {
  const double rate = ReceivedMedia::kSampleRate;
  double noise = 0.0;
  for (double probe : kNoiseProbesHz) noise = std::max(noise, GoertzelPower(audio, probe, rate));
  MixLevels levels;
  double weakest = 1e9;
  for (double hz : othersHz) {
    const double power = GoertzelPower(audio, hz, rate);
    weakest = std::min(weakest, power);
    levels.othersOverNoiseDb.push_back(PowerRatioDb(power, noise));
  }
  levels.ownUnderWeakestDb = PowerRatioDb(GoertzelPower(audio, ownHz, rate), weakest);
  return levels;
}

bool MixIsRight(const MixLevels& levels) {
  return std::all_of(levels.othersOverNoiseDb.begin(), levels.othersOverNoiseDb.end(),
                     [](double db) { return db > 20.0; }) &&
         levels.ownUnderWeakestDb < -30.0;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class MediaTest : public ServerTest {
 protected:
  // Connects one participant per sender into one room, then checks for each
  // that its audio is the others' mix without itself and its picture shows
  // the others' colours.
  void RunRoom(const std::vector<Sender>& senders, std::chrono::milliseconds connectEach = 20s) {
    RunRoom(UniqueRoom("media"), senders, connectEach);
  }

  void RunRoom(const std::string& room, const std::vector<Sender>& senders, std::chrono::milliseconds connectEach) {
    std::vector<std::unique_ptr<RoomParticipant>> participants;
    std::vector<RoomParticipant*> raw;
    for (const Sender& sender : senders) {
      MediaClientOptions options = ParticipantOptions(sender.name, sender.toneHz, sender.colour, sender.codec);
      options.receiveVp8 = sender.receivesVp8;
      participants.push_back(Participant(options));
      raw.push_back(participants.back().get());
    }
    const auto start = Clock::now();
    ASSERT_TRUE(AllConnect(raw, room, connectEach)) << Context();
    const auto connected = Clock::now();
    std::printf("all %zu connected after %.2f s\n", raw.size(), Seconds(connected - start));
    for (std::size_t i = 0; i < senders.size(); ++i) {
      if (senders[i].codec != VideoCodec::kH264) continue;
      // The answer decides what the server will take: H.264 must be in it
      // (next to the VP8 the composite comes back in).
      const auto codecs = MediaCodecs(raw[i]->Media()->RemoteSdp(), "video");
      EXPECT_NE(std::find(codecs.begin(), codecs.end(), "H264/90000"), codecs.end())
          << "the server's answer to " << senders[i].name << " does not accept H.264 video; answer:\n"
          << raw[i]->Media()->RemoteSdp();
      if (!senders[i].receivesVp8) {
        EXPECT_EQ(std::find(codecs.begin(), codecs.end(), "VP8/90000"), codecs.end())
            << "VP8 in the answer to an H.264-only offer:\n"
            << raw[i]->Media()->RemoteSdp();
        const std::string answer = raw[i]->Media()->RemoteSdp();
        EXPECT_NE(answer.find("packetization-mode=1"), std::string::npos)
            << "the answer's H.264 lacks packetization-mode=1:\n"
            << answer;
      }
    }

    // Two seconds of audio at every client once everyone is connected, so
    // every input has reached the mixer.
    for (RoomParticipant* p : raw)
      ASSERT_TRUE(p->Received().WaitForMoreAudio(2 * kOneSecond, 15s)) << p->Describe(true) << Context();

    for (std::size_t i = 0; i < senders.size(); ++i) {
      RoomParticipant& p = *raw[i];
      std::vector<double> othersHz;
      std::vector<const Sender*> others;
      for (std::size_t j = 0; j < senders.size(); ++j) {
        if (j != i) {
          othersHz.push_back(senders[j].toneHz);
          others.push_back(&senders[j]);
        }
      }

      // The last second of audio; re-measured as more arrives in case a
      // slow input joined the mix late, up to a bound.
      MixLevels levels;
      const auto audioStart = Clock::now();
      p.Received().WaitUntil(
          [&] {
            levels = MeasureMix(p.Received().LastAudio(kOneSecond), senders[i].toneHz, othersHz);
            return MixIsRight(levels);
          },
          10s);
      std::printf("%s hears:", p.Name().c_str());
      for (std::size_t k = 0; k < others.size(); ++k)
        std::printf(" %.0f Hz %+.1f dB over noise;", others[k]->toneHz, levels.othersOverNoiseDb[k]);
      std::printf(" own %.0f Hz %+.1f dB vs weakest other (settled in %.2f s)\n", senders[i].toneHz,
                  levels.ownUnderWeakestDb, Seconds(Clock::now() - audioStart));
      for (std::size_t k = 0; k < others.size(); ++k)
        EXPECT_GT(levels.othersOverNoiseDb[k], 20.0)
            << p.Name() << " does not clearly hear " << others[k]->name << ": " << p.Describe(true) << Context();
      EXPECT_LT(levels.ownUnderWeakestDb, -30.0) << p.Name() << " hears itself: " << p.Describe(true) << Context();

      // The composite: at least 2 % of the frame in each other's colour.
      std::vector<double> shares(others.size());
      const auto videoStart = Clock::now();
      const bool seen = p.Received().WaitUntil(
          [&] {
            const auto frame = p.Received().LastVideoFrame();
            if (!frame) return false;
            for (std::size_t k = 0; k < others.size(); ++k)
              shares[k] = ColourShare(*frame, RgbFromArgb(others[k]->colour), kColourTolerance);
            return std::all_of(shares.begin(), shares.end(), [](double s) { return s >= 0.02; });
          },
          15s);
      const auto frame = p.Received().LastVideoFrame();
      std::printf("%s sees %dx%d (%llu frames):", p.Name().c_str(), frame ? frame->width : 0, frame ? frame->height : 0,
                  static_cast<unsigned long long>(p.Received().Snapshot().videoFrames));
      for (std::size_t k = 0; k < others.size(); ++k)
        std::printf(" %s %.1f %%;", others[k]->name.c_str(), 100.0 * shares[k]);
      std::printf(" own %.1f %% (settled in %.2f s)\n",
                  frame ? 100.0 * ColourShare(*frame, RgbFromArgb(senders[i].colour), kColourTolerance) : 0.0,
                  Seconds(Clock::now() - videoStart));
      EXPECT_TRUE(seen) << p.Name() << " does not see every other participant's colour: " << p.Describe(true)
                        << Context();
      if (frame) {
        EXPECT_EQ(frame->width, 640) << "composite width (--video-width=640)";
        EXPECT_EQ(frame->height, 360) << "composite height (--video-height=360)";
      }
    }
    std::fflush(stdout);
  }
};

TEST_F(MediaTest, ThreeParticipantsHearAndSeeEachOtherButNotThemselves) {
  RunRoom({{"red-440", 440.0, 0xFFFF0000}, {"green-660", 660.0, 0xFF00FF00}, {"blue-990", 990.0, 0xFF0000FF}});
}

TEST_F(MediaTest, H264AndVp8SendersSeeEachOther) {
  RunRoom({{"h264-green", 440.0, 0xFF00FF00, VideoCodec::kH264}, {"vp8-blue", 660.0, 0xFF0000FF, VideoCodec::kVp8}});
}

TEST_F(MediaTest, VP8AndH264SendersSeeEachOther) {
  RunRoom({{"vp8-red", 440.0, 0xFFFF0000, VideoCodec::kVp8}, {"h264-blue", 660.0, 0xFF0000FF, VideoCodec::kH264}});
}

// The contract accepts H.264 senders; one that cannot decode VP8 gets the
// composite from the room's H.264 encode, made when it joins, while the
// others keep the VP8 one. It used to be refused with unsupported-media.
TEST_F(MediaTest, AnH264OnlyClientGetsTheCompositeInH264) {
  RunRoom({{"vp8-red", 440.0, 0xFFFF0000, VideoCodec::kVp8},
           {"h264only-green", 660.0, 0xFF00FF00, VideoCodec::kH264, false},
           {"h264only-blue", 990.0, 0xFF0000FF, VideoCodec::kH264, false}});
}

// Everyone's connection takes a while to come up, and some never do (a
// browser behind a firewall, a tab closed mid-join). Until it is up, the
// server cannot send to that participant; nothing about that may hold up
// the room's one picture, or the answers to those who join after.
TEST_F(MediaTest, AParticipantWhoNeverConnectsHoldsUpNobody) {
  const std::string room = UniqueRoom("unreachable");
  auto unreachable = Connect();
  unreachable->Send(JoinMessage(room, "unreachable"));
  ASSERT_TRUE(unreachable->WaitFor("joined", 5s)) << Context();
  WsClient::Message offer;
  offer.set("type", "offer");
  offer.set("sdp", kUnreachableOffer);
  unreachable->Send(offer);
  ASSERT_TRUE(unreachable->WaitFor("answer", 5s)) << "no answer to a valid offer" << Context();

  // An answer and a connection within a few seconds each (a wait on the
  // room's picture used to last 10 s, and the picture then never came).
  RunRoom(room, {{"red-440", 440.0, 0xFFFF0000}, {"blue-660", 660.0, 0xFF0000FF, VideoCodec::kH264}}, 5s);
}

}  // namespace
}  // namespace plenum::test
