// Participants coming and going must not leave threads, file descriptors or
// memory behind in the server.

#include "support/E2eExpectations.hpp"
#include "support/ProcessUsage.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <cstdio>
#include <functional>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kWarmUpCycles = 5;
constexpr int kCycles = 50;
constexpr long kThreadSlack = 3;
constexpr long kFdSlack = 3;
constexpr long kRssSlackKiB = 30 * 1024;

class LeakTest : public ServerTest {
 protected:
  // One participant joins the room, connects, receives media, leaves; done
  // once the anchor has been told it left.
  ::testing::AssertionResult Cycle(int index) {
    auto cycler = Participant(ParticipantOptions("cycler-" + std::to_string(index), 550.0, 0xFF00FF00));
    if (!cycler->JoinAndConnect(room_, 15s))
      return ::testing::AssertionFailure() << "cycle " << index << ": " << cycler->Describe(true);
    const ReceivedMedia& received = cycler->Received();
    const bool gotMedia = received.WaitUntil(
        [&] {
          const auto counters = received.Snapshot();
          return counters.audioSamples >= ReceivedMedia::kSampleRate / 5 && counters.videoFrames >= 1;
        },
        15s);
    if (!gotMedia)
      return ::testing::AssertionFailure() << "cycle " << index << " received no media: " << cycler->Describe(true);
    if (!cycler->Leave(5s)) {
      const auto health = Healthy(Server());
      return ::testing::AssertionFailure() << "cycle " << index << ": socket not closed within 5 s of leave; /healthz: "
                                           << (health ? "200" : health.message()) << "; " << cycler->Describe(true);
    }
    const std::string id = cycler->Id();
    cycler.reset();
    if (!anchor_->Signaling().WaitFor("participant-joined", 5s))
      return ::testing::AssertionFailure()
             << "cycle " << index << ": anchor not told of the join: " << anchor_->Describe(true);
    const auto left = anchor_->Signaling().WaitFor("participant-left", 10s);
    if (!left || left->optValue<std::string>("participant", "") != id)
      return ::testing::AssertionFailure()
             << "cycle " << index << ": anchor not told that " << id << " left: " << anchor_->Describe(true);
    return ::testing::AssertionSuccess();
  }

  ProcessUsage Settled(const ProcessUsage& baseline, std::chrono::milliseconds timeout) {
    return SettledUsage(Server().Pid(), baseline, kThreadSlack, kFdSlack, timeout);
  }

  // A participant connects, then trickles one candidate of each kind (as a
  // browser may, late), and leaves; done once the anchor has been told.
  ::testing::AssertionResult CandidateCycle(int index) {
    auto participant = Participant(ParticipantOptions("candidates-" + std::to_string(index), 550.0, 0xFF00FF00));
    if (!participant->JoinAndConnect(room_, 15s))
      return ::testing::AssertionFailure() << "cycle " << index << ": " << participant->Describe(true);
    WsClient& ws = participant->Signaling();
    for (const std::string& candidate : EveryKindOfCandidate()) SendCandidate(ws, candidate);
    if (!participant->Leave(5s)) return ::testing::AssertionFailure() << "cycle " << index << ": not closed on leave";
    for (const std::string& type : ws.History()) {
      if (type == "error") return ::testing::AssertionFailure() << "cycle " << index << ": a candidate was refused";
    }
    participant.reset();
    if (!anchor_->Signaling().WaitFor("participant-left", 10s))
      return ::testing::AssertionFailure() << "cycle " << index << ": anchor not told of the leave";
    return ::testing::AssertionSuccess();
  }

  // A participant joins, offers, trickles candidates and leaves before its
  // connection could come up (nobody answers the server's checks).
  ::testing::AssertionResult UnconnectedCycle(int index) {
    auto ws = Connect();
    ws->Send(JoinMessage(room_, "unconnected-" + std::to_string(index)));
    if (!ws->WaitFor("joined", 5s)) return ::testing::AssertionFailure() << "cycle " << index << ": not joined";
    WsClient::Message offer;
    offer.set("type", "offer");
    offer.set("sdp", UnreachableOpusVp8Offer());
    ws->Send(offer);
    if (!ws->WaitFor("answer", 5s)) return ::testing::AssertionFailure() << "cycle " << index << ": no answer";
    for (const char* candidate : {"candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host",
                                  "candidate:2 1 UDP 2122260223 abc.local 40000 typ host"}) {
      SendCandidate(*ws, candidate);
    }
    ws->SendRaw(R"({"type":"leave"})");
    if (!ws->WaitForClose(5s)) return ::testing::AssertionFailure() << "cycle " << index << ": not closed on leave";
    if (!anchor_->Signaling().WaitFor("participant-left", 10s))
      return ::testing::AssertionFailure() << "cycle " << index << ": anchor not told of the leave";
    return ::testing::AssertionSuccess();
  }

  // With a connected anchor in the room: 3 warm-up cycles, then 20 measured
  // ones, after which threads and file descriptors are back within slack.
  void ExpectCyclesGiveBack(const char* label, const std::function<::testing::AssertionResult(int)>& cycle,
                            std::chrono::milliseconds settle) {
    constexpr int kMeasuredCycles = 20;
    anchor_ = Participant(ParticipantOptions("anchor", 330.0, 0xFFFF0000));
    ASSERT_TRUE(anchor_->JoinAndConnect(room_, 15s)) << anchor_->Describe() << Context();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(cycle(i)) << Context();
    const ProcessUsage baseline = Settled(ReadProcessUsage(Server().Pid()), 5s);
    for (int i = 0; i < kMeasuredCycles; ++i) ASSERT_TRUE(cycle(100 + i)) << Context();
    const ProcessUsage after = Settled(baseline, settle);
    std::printf("%s: %d sessions; before %s; after %s\n", label, kMeasuredCycles, baseline.Describe().c_str(),
                after.Describe().c_str());
    std::printf("file descriptors after: %s\n", DescribeFds(Server().Pid()).c_str());
    std::fflush(stdout);
    EXPECT_LE(after.threads, baseline.threads + kThreadSlack) << Context();
    EXPECT_LE(after.fds, baseline.fds + kFdSlack) << Context();
    EXPECT_TRUE(anchor_->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate / 2, 5s)) << anchor_->Describe(true);
    anchor_.reset();
  }

  std::string room_ = UniqueRoom("leak");
  std::unique_ptr<RoomParticipant> anchor_;
};

TEST_F(LeakTest, JoinLeaveCyclesGiveBackThreadsFdsAndMemory) {
  // A resident participant keeps the room (and its mixer) alive across
  // cycles, as in a real meeting where people come and go.
  anchor_ = Participant(ParticipantOptions("anchor", 330.0, 0xFFFF0000));
  ASSERT_TRUE(anchor_->JoinAndConnect(room_, 15s)) << anchor_->Describe() << Context();

  const auto start = Clock::now();
  for (int i = 0; i < kWarmUpCycles; ++i) ASSERT_TRUE(Cycle(i)) << Context();
  const ProcessUsage idle = ReadProcessUsage(Server().Pid());
  const ProcessUsage baseline = Settled(idle, 5s);
  const auto measured = Clock::now();
  for (int i = kWarmUpCycles; i < kWarmUpCycles + kCycles; ++i) ASSERT_TRUE(Cycle(i)) << Context();
  const auto cyclesDone = Clock::now();
  const ProcessUsage after = Settled(baseline, 10s);

  std::printf("warm-up: %d cycles in %.1f s; %d cycles in %.1f s (%.2f s each)\n", kWarmUpCycles,
              std::chrono::duration<double>(measured - start).count(), kCycles,
              std::chrono::duration<double>(cyclesDone - measured).count(),
              std::chrono::duration<double>(cyclesDone - measured).count() / kCycles);
  std::printf("server after warm-up: %s\nserver after %d cycles: %s\n", baseline.Describe().c_str(), kCycles,
              after.Describe().c_str());
  std::printf("delta: %+ld threads, %+ld fds, %+.1f MiB RSS\n", after.threads - baseline.threads,
              after.fds - baseline.fds, (after.rssKiB - baseline.rssKiB) / 1024.0);
  std::fflush(stdout);

  EXPECT_LE(after.threads, baseline.threads + kThreadSlack) << Context();
  EXPECT_LE(after.fds, baseline.fds + kFdSlack) << Context();
  EXPECT_LE(after.rssKiB, baseline.rssKiB + kRssSlackKiB) << Context();

  // The room survived it all: the anchor still receives media.
  EXPECT_TRUE(anchor_->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate / 2, 5s)) << anchor_->Describe(true);
  anchor_.reset();
}

// Whatever candidates a participant sent, what it held comes back: an mDNS
// name used to cost file descriptors and threads for good (a lookup that
// outlived the participant).
TEST_F(LeakTest, EveryKindOfCandidateGivesBackThreadsAndFds) {
  ExpectCyclesGiveBack("candidates", [this](int i) { return CandidateCycle(i); }, 10s);
}

// Leaving before the connection is up (a tab closed mid-join) gives back
// what the participant held too: its ICE agent was seen to outlive it.
TEST_F(LeakTest, LeavingBeforeConnectingGivesBackThreadsAndFds) {
  ExpectCyclesGiveBack("unconnected", [this](int i) { return UnconnectedCycle(i); }, 15s);
}

}  // namespace
}  // namespace plenum::test
