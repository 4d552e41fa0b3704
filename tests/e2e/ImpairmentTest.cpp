// One participant on a bad network: what it gets, and what it costs the
// others. A room of three, two of them (A, B) on a clean loopback and one
// (L) on its own address, 127.0.0.2, whose packets are lost and delayed both
// ways. L must still hear A and B (and never itself) and keep receiving the
// composite, whose picture must come back soon after a burst of heavy loss;
// A and B must receive as much as they did before L's link went bad.
//
// The impairment. "5 % packet loss and 30 ms of jitter" is taken to mean:
// every UDP packet to or from 127.0.0.2 (RTP, RTCP, STUN, DTLS alike) is
// dropped with probability 5 %, independently, in each direction; the
// others are each delayed by their own draw from a normal distribution, mean
// 60 ms, standard deviation 27 ms (cut off at 0: 1.3 % of packets), so that
// the interarrival jitter of RFC 3550 (what webrtc's getStats calls
// `jitter`) is about 30 ms: for independent normal delays it is σ·2/√π =
// 30.5 ms. The test measures the jitter it actually applied, per RTP stream
// as its receiver sees it (packets in the order they are let go, transit =
// the time each was held), and prints it. As netem does with a normal
// jitter, packets may overtake each other.
//
// Why not netem: the plan was `tc qdisc ... netem loss 5% delay ...` on lo,
// but this project's machines run a kernel without sch_netem (nor sch_prio),
// built without module support, so no qdisc can delay a packet there. The
// kernel does have netfilter's NFQUEUE: two iptables rules (mangle OUTPUT,
// where every loopback packet passes once, on its way out) hand every UDP
// packet from or to 127.0.0.2 to this process (support/PacketImpairer, on
// libnetfilter_queue), which drops it or lets it go after its delay. Nothing
// else is touched: A's and B's traffic and the signalling (TCP) never enter
// the queue. Its draws are seeded: the seed is printed, and
// PLENUM_IMPAIRMENT_SEED=N repeats a run's sequence of draws (not its
// packets' timing, so not its exact outcome).
//
// It changes a network, so it runs only inside a network namespace of its
// own (scripts/isolated-net.sh, which sets PLENUM_ISOLATED_NET=1) and refuses
// to run anywhere else. The rules are removed at the end and any left by an
// earlier run that was killed are removed first; left behind, they change
// nothing (`--queue-bypass`: with nobody listening on the queue, packets
// pass).

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "support/E2eExpectations.hpp"
#include "support/NfqueueRules.hpp"
#include "support/PacketImpairer.hpp"
#include "support/PrometheusScrape.hpp"
#include "support/ServerTest.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/TimeoutScale.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kCleanAddress = "127.0.0.1";  // A, B and the server
constexpr const char* kLossyAddress = "127.0.0.2";  // L
constexpr std::uint16_t kQueue = 7;                 // the NFQUEUE number the rules hand packets to
constexpr const char* kChain = "plenum-impair";     // our chain in the mangle table

constexpr Impairment kLossy{0.05, 60.0, 27.0};
// The burst: 40 % loss for a second, the same jitter. At that rate almost no
// frame of the composite (several packets each) arrives whole.
constexpr Impairment kBurst{0.40, 60.0, 27.0};
constexpr auto kBurstLength = 1s;
// L's jitter buffer: 200 ms (webrtcbin's default), not the test clients'
// 50 ms, as a browser's adaptive one grows to the jitter of its link: what
// L misses is then what its link lost, not what a 50 ms buffer gave up
// waiting for (with 50 ms, L's frame rate was lower still: 15 and 16 frames
// a second in two runs).
constexpr std::chrono::milliseconds kLossyJitterBuffer{200};

constexpr std::size_t kOneSecond = ReceivedMedia::kSampleRate;
// Frequencies no tone of the test sits on, nor a low harmonic or
// intermodulation product of them: their loudest is the noise floor (as in
// MediaTest).
constexpr double kNoiseProbesHz[] = {1234.0, 1500.0, 2100.0};
constexpr int kColourTolerance = 60;  // VP8 smears colours at tile edges (MediaTest)
constexpr double kColourShare = 0.02;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The impairer's seed: PLENUM_IMPAIRMENT_SEED, to repeat a run's draws, or
// a new one.
std::uint64_t ImpairmentSeed() {
  if (const char* seed = std::getenv("PLENUM_IMPAIRMENT_SEED"); seed && *seed) return std::stoull(seed);
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

// ---------------------------------------------------------------------------
// Measurements.

struct Sender {
  std::string name;
  double toneHz;
  std::uint32_t colour;
  std::string address;
  std::chrono::milliseconds jitterBuffer{50};  // the test clients' default
  // Asks for what it lost, as browsers do. Only with a jitter buffer that
  // can wait a round trip: webrtcbin's with do-nack also asks for the
  // packet it expects next, and at 50 ms declares a composite frame that
  // the encoder made a little late lost (A and B, clean, then decoded 9 to
  // 25 frames a second of 30).
  bool nack = false;
};

struct MixLevels {
  std::vector<double> othersOverNoiseDb;  // each other participant's tone over the noise floor
  std::vector<double> ownUnderOthersDb;   // own tone relative to each other's
};

MixLevels MeasureMix(const std::vector<float>& audio, double ownHz, const std::vector<double>& othersHz) {
  const double rate = ReceivedMedia::kSampleRate;
  double noise = 0.0;
  for (double probe : kNoiseProbesHz) noise = std::max(noise, GoertzelPower(audio, probe, rate));
  const double own = GoertzelPower(audio, ownHz, rate);
  MixLevels levels;
  for (double hz : othersHz) {
    const double power = GoertzelPower(audio, hz, rate);
    levels.othersOverNoiseDb.push_back(PowerRatioDb(power, noise));
    levels.ownUnderOthersDb.push_back(PowerRatioDb(own, power));
  }
  return levels;
}

// What one participant received during a window.
struct Figures {
  double audioSamplesPerSecond = 0.0;
  double framesPerSecond = 0.0;
  // Per other participant, over the window's seconds: its tone's lowest
  // level over the noise floor, and own tone's highest level relative to it.
  std::vector<double> worstOthersDb;
  std::vector<double> worstOwnDb;
};

class ImpairmentTest : public ServerTest {
 protected:
  void SetUp() override {
    const char* isolated = std::getenv("PLENUM_ISOLATED_NET");
    if (!isolated || std::string(isolated) != "1")
      GTEST_FAIL() << "refusing to run: this test changes the network (iptables rules, loss and delay on "
                   << kLossyAddress << ") and must run in a network namespace of its own. Run it as "
                   << "scripts/isolated-net.sh env PLENUM_BIN=... e2e_impairment_test (meson test e2e-impairment "
                   << "does), which sets PLENUM_ISOLATED_NET=1.";
    // PLENUM_ISOLATED_NET could be set by hand: the namespace must also
    // look like isolated-net.sh's, loopback and its veth pair and nothing
    // else (the host has its real interfaces).
    std::vector<std::string> others;
    std::ifstream devices("/proc/self/net/dev");  // this process's namespace (/sys/class/net is sysfs's)
    std::string line;
    std::getline(devices, line);  // two lines of headings
    std::getline(devices, line);
    while (std::getline(devices, line)) {
      std::stringstream fields(line);
      std::string name;
      std::getline(fields >> std::ws, name, ':');
      if (name != "lo" && name != "plenum-a" && name != "plenum-b") others.push_back(name);
    }
    if (!others.empty()) {
      std::string names;
      for (const auto& name : others) names += " " + name;
      GTEST_FAIL() << "refusing to run: PLENUM_ISOLATED_NET=1 is set, but this network namespace has interfaces "
                   << "scripts/isolated-net.sh does not make (" << names.substr(1)
                   << "): it may be the host's. Run the test through scripts/isolated-net.sh.";
    }
    if (NfqueueRules::Iptables().empty())
      GTEST_FAIL() << "iptables is not installed (Debian package iptables): the test's impairment needs it";
    ServerTest::SetUp();
  }

  // Connected participants, one per sender, in one room; every one hears
  // and sees the others before this returns.
  void Connect(const std::vector<Sender>& senders) {
    senders_ = senders;
    std::vector<RoomParticipant*> raw;
    for (const Sender& sender : senders) {
      MediaClientOptions options = ParticipantOptions(sender.name, sender.toneHz, sender.colour);
      options.iceAddress = sender.address;
      options.latency = sender.jitterBuffer;
      options.nack = sender.nack;
      participants_.push_back(Participant(options));
      raw.push_back(participants_.back().get());
    }
    room_ = UniqueRoom("impairment");
    ASSERT_TRUE(AllConnect(raw, room_, 20s)) << Context();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      ASSERT_TRUE(raw[i]->Received().WaitForMoreAudio(2 * kOneSecond, 15s)) << raw[i]->Describe(true) << Context();
      ASSERT_TRUE(raw[i]->Received().WaitUntil([&] { return HearsOthers(i, 20.0) && SeesOthers(i); }, 15s))
          << senders_[i].name << " does not hear and see the others at the start: " << raw[i]->Describe(true)
          << Context();
    }
  }

  RoomParticipant& P(std::size_t i) { return *participants_[i]; }

  std::vector<double> OthersHz(std::size_t i) const {
    std::vector<double> hz;
    for (std::size_t j = 0; j < senders_.size(); ++j)
      if (j != i) hz.push_back(senders_[j].toneHz);
    return hz;
  }

  MixLevels Levels(std::size_t i) {
    return MeasureMix(P(i).Received().LastAudio(kOneSecond), senders_[i].toneHz, OthersHz(i));
  }

  bool HearsOthers(std::size_t i, double thresholdDb) {
    const MixLevels levels = Levels(i);
    return std::all_of(levels.othersOverNoiseDb.begin(), levels.othersOverNoiseDb.end(),
                       [&](double db) { return db > thresholdDb; });
  }

  // The last decoded frame shows every other participant's colour.
  bool SeesOthers(std::size_t i) {
    const auto frame = P(i).Received().LastVideoFrame();
    if (!frame) return false;
    for (std::size_t j = 0; j < senders_.size(); ++j)
      if (j != i && ColourShare(*frame, RgbFromArgb(senders_[j].colour), kColourTolerance) < kColourShare) return false;
    return true;
  }

  // Everyone's received rates over `seconds` whole seconds, and each one's
  // tone levels measured on the last second of audio at the end of each.
  // The sleeps are the measurement window itself.
  std::vector<Figures> Measure(int seconds) {
    std::vector<ReceivedMedia::Counters> before;
    for (auto& p : participants_) before.push_back(p->Received().Snapshot());
    const auto start = Clock::now();
    std::vector<Figures> figures(participants_.size());
    for (std::size_t i = 0; i < figures.size(); ++i) {
      figures[i].worstOthersDb.assign(senders_.size() - 1, 1e9);
      figures[i].worstOwnDb.assign(senders_.size() - 1, -1e9);
    }
    for (int s = 1; s <= seconds; ++s) {
      std::this_thread::sleep_until(start + s * 1s);
      for (std::size_t i = 0; i < participants_.size(); ++i) {
        const MixLevels levels = Levels(i);
        for (std::size_t k = 0; k < levels.othersOverNoiseDb.size(); ++k) {
          figures[i].worstOthersDb[k] = std::min(figures[i].worstOthersDb[k], levels.othersOverNoiseDb[k]);
          figures[i].worstOwnDb[k] = std::max(figures[i].worstOwnDb[k], levels.ownUnderOthersDb[k]);
        }
      }
    }
    const double elapsed = Seconds(Clock::now() - start);
    for (std::size_t i = 0; i < participants_.size(); ++i) {
      const auto after = participants_[i]->Received().Snapshot();
      figures[i].audioSamplesPerSecond = static_cast<double>(after.audioSamples - before[i].audioSamples) / elapsed;
      figures[i].framesPerSecond = static_cast<double>(after.videoFrames - before[i].videoFrames) / elapsed;
    }
    return figures;
  }

  void Print(const char* label, const std::vector<Figures>& figures) {
    for (std::size_t i = 0; i < figures.size(); ++i) {
      std::printf("%-9s %-6s audio %6.0f samples/s, video %5.1f frames/s; worst second:", label,
                  senders_[i].name.c_str(), figures[i].audioSamplesPerSecond, figures[i].framesPerSecond);
      std::size_t k = 0;
      for (std::size_t j = 0; j < senders_.size(); ++j) {
        if (j == i) continue;
        std::printf(" %s %+.1f dB over noise, own %+.1f dB vs it;", senders_[j].name.c_str(),
                    figures[i].worstOthersDb[k], figures[i].worstOwnDb[k]);
        ++k;
      }
      std::printf("\n");
    }
    std::fflush(stdout);
  }

  // What the impairer did between two of its snapshots.
  static void PrintImpairer(const char* label, const PacketImpairer::Stats& before,
                            const PacketImpairer::Stats& after) {
    auto direction = [](const char* name, const PacketImpairer::Direction& d) {
      std::printf("  %s: %llu packets, %llu dropped (%.1f %%), held %.1f ms on average, jitter (RFC 3550) %.1f ms\n",
                  name, static_cast<unsigned long long>(d.packets), static_cast<unsigned long long>(d.dropped),
                  d.LossPercent(), d.MeanDelayMs(), d.JitterMs());
    };
    std::printf("impairer, %s:\n", label);
    direction("server -> L", after.toAddress.Since(before.toAddress));
    direction("L -> server", after.fromAddress.Since(before.fromAddress));
    std::fflush(stdout);
  }

  // Each way, the packets the participant's connection report says were
  // lost (GET .../participants/{id}: "loss").
  std::pair<double, double> ReportedLoss(std::size_t i) {
    const HttpResult got = Server().Get("/api/v1/rooms/" + room_ + "/participants/" + P(i).Id());
    EXPECT_EQ(got.status, 200) << got.Describe();
    if (got.status != 200) return {-1, -1};
    const auto report = Poco::JSON::Parser().parse(got.body).extract<Poco::JSON::Object::Ptr>();
    const auto loss = report->getObject("loss");
    EXPECT_TRUE(loss) << got.body;
    if (!loss) return {-1, -1};
    return {loss->getObject("in")->getValue<double>("packets"), loss->getObject("out")->getValue<double>("packets")};
  }

  std::vector<Sender> senders_;
  std::vector<std::unique_ptr<RoomParticipant>> participants_;
  std::string room_;
};

TEST_F(ImpairmentTest, ALossyParticipantKeepsTheRoomAndCostsTheOthersNothing) {
  const std::uint64_t seed = ImpairmentSeed();
  std::unique_ptr<PacketImpairer> impairer;
  try {
    impairer = std::make_unique<PacketImpairer>(PacketImpairer::Options{kLossyAddress, kQueue, kChain, seed});
  } catch (const std::exception& e) {
    FAIL() << "cannot impair " << kLossyAddress << ": " << e.what();
  }
  const PacketImpairer::Stats start = impairer->GetStats();
  std::printf("impairer thread %s, seed %llu (PLENUM_IMPAIRMENT_SEED=%llu repeats its draws)\n",
              start.realtime ? "SCHED_FIFO" : "at normal priority (SCHED_FIFO refused)",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));

  constexpr std::size_t A = 0, B = 1, L = 2;
  ASSERT_NO_FATAL_FAILURE(Connect({{"A-red", 440.0, 0xFFFF0000, kCleanAddress},
                                   {"B-green", 660.0, 0xFF00FF00, kCleanAddress},
                                   {"L-blue", 990.0, 0xFF0000FF, kLossyAddress, kLossyJitterBuffer, true}}));

  // L's media really goes through the queue, and the server's end of it is
  // on 127.0.0.1 (its --ice-local-address in the tests).
  const PacketImpairer::Stats connected = impairer->GetStats();
  PrintImpairer("until all connected, no impairment", start, connected);
  ASSERT_GT(connected.toAddress.packets, 0u) << "none of the server's packets to L went through the queue";
  ASSERT_GT(connected.fromAddress.packets, 0u) << "none of L's packets went through the queue";
  EXPECT_EQ(connected.peers, std::set<std::string>{kCleanAddress})
      << "the server's end of L's connection is not (only) on " << kCleanAddress;

  // Baseline: L's link as clean as the others' (the queue lets everything
  // go at once).
  const std::vector<Figures> baseline = Measure(5);
  Print("baseline", baseline);

  // L's link goes bad. The first second after the switch is left out: the
  // jitter buffers meet the new delay in it.
  impairer->Set(kLossy);
  std::this_thread::sleep_for(1s);
  const PacketImpairer::Stats lossyStart = impairer->GetStats();
  const PrometheusScrape metricsStart = ScrapeMetrics(Server());
  const std::vector<Figures> lossy = Measure(5);
  const PacketImpairer::Stats lossyEnd = impairer->GetStats();
  Print("lossy", lossy);
  PrintImpairer("lossy window", lossyStart, lossyEnd);

  // The impairment was real, and what was asked for: packets dropped both
  // ways, 1 to 10 % of them (5 % of 340 to 420 packets in the window is 17
  // to 21, give or take 4: the bounds are 3.4 standard deviations or more
  // away; 2.5 to 7.8 % measured in 35 runs), and as much jitter as asked for
  // (30 ms; 26.5 to 35.3 ms measured; 20 ms leaves room for the spread of a
  // few hundred packets' draws).
  const auto toL = lossyEnd.toAddress.Since(lossyStart.toAddress);
  const auto fromL = lossyEnd.fromAddress.Since(lossyStart.fromAddress);
  for (const auto& [direction, d] : {std::pair{"to L", toL}, std::pair{"from L", fromL}}) {
    EXPECT_GT(d.dropped, 0u) << "nothing " << direction << " was dropped";
    EXPECT_GE(d.LossPercent(), 1.0) << "loss " << direction;
    EXPECT_LE(d.LossPercent(), 10.0) << "loss " << direction;
    EXPECT_GT(d.JitterMs(), 20.0) << "less jitter " << direction << " than asked for";
  }

  // 1. L still hears A and B: each tone's worst second over the noise
  // floor. Clean, every tone stood 45 to 105 dB over it (MediaTest's bound
  // is 20 dB); on L's lossy link, in 35 runs, L's worst second was 60 to 98
  // dB. 30 dB keeps 30 dB of margin under the worst of those, and is still
  // a tone far out of the noise.
  const double kLossyHearsDb = 30.0;
  for (std::size_t k = 0; k < 2; ++k)
    EXPECT_GT(lossy[L].worstOthersDb[k], kLossyHearsDb)
        << "L does not clearly hear " << senders_[k].name << " on its lossy link: " << P(L).Describe(true) << Context();
  // ... never itself (mix-minus; loss concealment makes no 990 Hz) ...
  for (std::size_t k = 0; k < 2; ++k)
    EXPECT_LT(lossy[L].worstOwnDb[k], -30.0)
        << "L hears itself (against " << senders_[k].name << "): " << P(L).Describe(true) << Context();
  // ... and keeps receiving the composite. Not at the clean rate: L asks
  // for what it lost (NACK) and the server resends it from its history,
  // but a resend that comes later than L's 200 ms jitter buffer waits (a
  // round trip here is 120 ms on average, up to 240) or is lost again
  // stops L's VP8 decoding until a keyframe, which L's PLI asks for and
  // the room's encoder makes at most once per 500 ms. Measured: 13.8 to
  // 17.2 frames a second of 30 in 7 runs (40 to 48 packets resent a run,
  // 12 to 21 of L's keyframe requests deferred to the end of its
  // interval); the webrtcbin engine this server had before, which did not
  // resend, gave 12.6 to 26.9 in 35 runs. 25 % (7.5 frames a second)
  // keeps a wide margin under both,
  // and is still well above what a server that left L to its periodic
  // keyframes (every 2 s) would give.
  const double cleanFps = std::min(lossy[A].framesPerSecond, lossy[B].framesPerSecond);
  const double kLossyFpsShare = 0.25;
  EXPECT_GE(lossy[L].framesPerSecond, kLossyFpsShare * cleanFps)
      << "L's composite frame rate on its lossy link, against A's and B's in the same window";

  // 2. A's and B's reception is what it was before L's link went bad:
  // audio (decoded samples; 48000 a second) and composite frames each at
  // least 90 % of the baseline (measured in 35 runs: 99.3 to 100.7 %), and
  // each still hears the other clearly (43 to 59 dB measured; the same 30 dB
  // bound) and not itself.
  for (std::size_t i : {A, B}) {
    EXPECT_GE(lossy[i].audioSamplesPerSecond, 0.9 * baseline[i].audioSamplesPerSecond)
        << senders_[i].name << "'s audio while L is lossy";
    EXPECT_GE(lossy[i].framesPerSecond, 0.9 * baseline[i].framesPerSecond)
        << senders_[i].name << "'s composite frames while L is lossy";
    // A's others are (B, L), B's (A, L): the clean one comes first. What
    // they hear of L is L's lossy sending, so not their own tone's measure.
    EXPECT_GT(lossy[i].worstOthersDb[0], kLossyHearsDb)
        << senders_[i].name << " no longer clearly hears the other clean one";
    EXPECT_LT(lossy[i].worstOwnDb[0], -30.0) << senders_[i].name << " hears itself";
  }

  // 3. Bursts of heavy loss: 40 % for a second, then back to 5 %. How long
  // until L decodes a new frame that shows A and B again: a PLI's way to
  // the server, at most 500 ms of the room's keyframe limit, the keyframe's
  // way back (60 ms each way here) and L's jitter buffer; again if that
  // keyframe is lost. Measured over 105 bursts (35 runs, 12 of them beside
  // two busy loops): 0.01 to 1.10 s, median 0.38 s, 90 % within 0.63 s; the
  // mean of a run's 3 at most 0.72 s. So the "within a second" holds on
  // average, not for every burst: the bounds are a mean of 1 s and a worst
  // of 2 s. A server that waited for its periodic keyframes (every 2 s)
  // would average about 1.3 s (half its interval, and the way). Neither
  // is stretched by the load: beside two busy loops the figures stayed in
  // the same range.
  constexpr int kBursts = 3;
  std::vector<double> recoveries;
  for (int burst = 1; burst <= kBursts; ++burst) {
    // From a picture that is fine.
    ASSERT_TRUE(P(L).Received().WaitForMoreVideo(1, 10s)) << P(L).Describe(true) << Context();
    ASSERT_TRUE(P(L).Received().WaitUntil([&] { return SeesOthers(L); }, 10s))
        << "L does not see A and B before burst " << burst << ": " << P(L).Describe(true) << Context();
    const auto framesBefore = P(L).Received().Snapshot().videoFrames;
    const PacketImpairer::Stats before = impairer->GetStats();
    impairer->Set(kBurst);
    std::this_thread::sleep_for(kBurstLength);  // the burst itself
    impairer->Set(kLossy);
    const auto end = Clock::now();
    const auto framesAtEnd = P(L).Received().Snapshot().videoFrames;
    const PacketImpairer::Stats after = impairer->GetStats();
    const bool recovered = P(L).Received().WaitUntil(
        [&] { return P(L).Received().Snapshot().videoFrames > framesAtEnd && SeesOthers(L); }, 10s);
    const double recovery = Seconds(Clock::now() - end);
    const auto burstTo = after.toAddress.Since(before.toAddress);
    std::printf("burst %d: %llu of %llu packets to L dropped, L decoded %llu frames in it; %s after %.2f s\n", burst,
                static_cast<unsigned long long>(burstTo.dropped), static_cast<unsigned long long>(burstTo.packets),
                static_cast<unsigned long long>(framesAtEnd - framesBefore),
                recovered ? "a new frame showing A and B" : "NO new frame showing A and B", recovery);
    std::fflush(stdout);
    ASSERT_TRUE(recovered) << "L's picture did not come back after burst " << burst << ": " << P(L).Describe(true)
                           << Context();
    recoveries.push_back(recovery);
  }
  const double worstRecovery = *std::max_element(recoveries.begin(), recoveries.end());
  const double meanRecovery = std::accumulate(recoveries.begin(), recoveries.end(), 0.0) / kBursts;
  const double kMeanRecoveryBound = 1.0;
  const double kWorstRecoveryBound = 2.0;
  std::printf("recovery: mean %.2f s (bound %.1f s), worst %.2f s (bound %.1f s) of %d bursts\n", meanRecovery,
              kMeanRecoveryBound, worstRecovery, kWorstRecoveryBound, kBursts);
  EXPECT_LE(meanRecovery, kMeanRecoveryBound) << "L's composite took too long to recover from bursts of loss";
  EXPECT_LE(worstRecovery, kWorstRecoveryBound) << "L's composite took too long to recover from a burst of loss";

  // 4. /metrics counted L's loss both ways, from the lossy window's start
  // until now (totals only: A and B lose nothing on loopback, so what they
  // gained is L's). At least 1 % of L's packets each way (5 %, and the
  // bursts' 40 %, were dropped; the server's retransmissions repair some of
  // L's video, never its audio), and not more than the impairer dropped
  // (a little slack: reports may count what was dropped just before the
  // window). Ours come every second. L's report blocks do not come while it
  // keeps losing: webrtcbin with do-nack sends its NACKs as early feedback,
  // and rtpsession's forward reconsideration counts the next regular report
  // from its last RTCP packet, early ones included, so it is put off again
  // (in one run, L's blocks came at 5, 10 and then 84 s from the server's
  // start). So the loss stops here, and L's next regular report, which
  // counts everything lost since its start, comes within a few seconds:
  // scraped until both are there, bounded.
  impairer->Set(Impairment{});
  const auto lostSince = [&](const char* direction) {
    const MetricLabels labels{{"direction", direction}};
    return ScrapeMetrics(Server()).Value("plenum_media_packets_lost_total", labels).value_or(0) -
           metricsStart.Value("plenum_media_packets_lost_total", labels).value_or(0);
  };
  const PacketImpairer::Stats lossEnd = impairer->GetStats();
  const auto lossTo = lossEnd.toAddress.Since(lossyStart.toAddress);
  const auto lossFrom = lossEnd.fromAddress.Since(lossyStart.fromAddress);
  const auto metricsDeadline = Clock::now() + Scaled(30s);
  while ((lostSince("in") < 0.01 * lossFrom.packets || lostSince("out") < 0.01 * lossTo.packets) &&
         Clock::now() < metricsDeadline)
    std::this_thread::sleep_for(250ms);
  const double lostIn = lostSince("in"), lostOut = lostSince("out");
  // What the impairer dropped by now bounds what can have been counted.
  const PacketImpairer::Stats lossAfter = impairer->GetStats();
  const auto droppedTo = lossAfter.toAddress.Since(lossyStart.toAddress).dropped;
  const auto droppedFrom = lossAfter.fromAddress.Since(lossyStart.fromAddress).dropped;
  std::printf("metrics: lost in %.0f (impairer dropped %llu of %llu from L), out %.0f (%llu of %llu to L)\n", lostIn,
              static_cast<unsigned long long>(droppedFrom), static_cast<unsigned long long>(lossFrom.packets), lostOut,
              static_cast<unsigned long long>(droppedTo), static_cast<unsigned long long>(lossTo.packets));
  EXPECT_GE(lostIn, 0.01 * lossFrom.packets) << "plenum_media_packets_lost_total{direction=\"in\"}";
  EXPECT_GE(lostOut, 0.01 * lossTo.packets) << "plenum_media_packets_lost_total{direction=\"out\"}";
  EXPECT_LE(lostIn, 1.1 * droppedFrom + 20) << "more lost in than the impairer dropped";
  EXPECT_LE(lostOut, 1.1 * droppedTo + 20) << "more lost out than the impairer dropped";

  // L's own connection report carries the same loss (its share of the
  // totals: since its start, a little more than the window above), and the
  // clean ones' report none.
  const auto [reportedIn, reportedOut] = ReportedLoss(L);
  std::printf("L's report: lost in %.0f, out %.0f\n", reportedIn, reportedOut);
  EXPECT_GE(reportedIn, lostIn) << "L's report: loss in";
  EXPECT_GE(reportedOut, lostOut) << "L's report: loss out";
  EXPECT_LE(reportedIn, 1.1 * lossAfter.fromAddress.dropped + 20) << "L's report: more lost in than dropped";
  EXPECT_LE(reportedOut, 1.1 * lossAfter.toAddress.dropped + 20) << "L's report: more lost out than dropped";
  for (std::size_t i = 0; i < participants_.size(); ++i) {
    if (i == L) continue;
    const auto [cleanIn, cleanOut] = ReportedLoss(i);
    EXPECT_EQ(cleanIn, 0) << senders_[i].name << "'s report: loss in on a clean link";
    EXPECT_EQ(cleanOut, 0) << senders_[i].name << "'s report: loss out on a clean link";
  }

  // The impairer kept up, and every packet it saw was queued by the rules.
  const PacketImpairer::Stats final = impairer->GetStats();
  PrintImpairer("whole test", start, final);
  const PacketImpairer::KernelCounters kernel = impairer->ReadKernelCounters();
  const std::uint64_t queued = kernel.queuedByRules;
  std::string peers;
  for (const std::string& peer : final.peers) peers += " " + peer;
  std::printf("impairer: L's peers:%s; released up to %.1f ms late, %llu packets 5 ms late or more\n", peers.c_str(),
              final.maxLatenessMs, static_cast<unsigned long long>(final.lateBy5Ms));
  std::printf("kernel: the rules queued %llu packets; the queue: %s\n", static_cast<unsigned long long>(queued),
              kernel.queueLine.c_str());
  std::fflush(stdout);
  EXPECT_EQ(final.failure, "");
  EXPECT_EQ(final.peers, std::set<std::string>{kCleanAddress});
  EXPECT_GE(queued, final.toAddress.packets + final.fromAddress.packets);
  // Nothing was lost that the impairer did not choose to drop.
  EXPECT_EQ(kernel.queueDropped, 0u) << "packets dropped because the queue was full";
  EXPECT_EQ(kernel.userDropped, 0u) << "packets dropped because the impairer could not be told of them";

  // Clean up: the rules first (nothing more is queued), then the queue.
  impairer.reset();
  EXPECT_FALSE(NfqueueRules::Present(kChain)) << "the impairment's iptables chain is still there";
}

}  // namespace
}  // namespace plenum::test
