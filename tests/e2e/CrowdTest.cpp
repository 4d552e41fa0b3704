// A crowd arriving at once: 32 participants join one room a tenth of a
// second apart, each offering as soon as it is in, without waiting for the
// others to connect; half send a camera, half are audio-only and show as
// name tiles, so every arrival relays out cameras and name tiles alike.
// This once hung the whole server (the control thread waited on a name
// tile's streaming thread while the composite's encoder waited on a full
// queue), and under load one participant in four waited 10 s for an
// answer and then never heard anyone.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cstdio>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kCrowd = 32;
constexpr auto kArrivalInterval = 100ms;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class CrowdTest : public ServerTest {
 protected:
  // A small composite, so that 32 clients on two cores can decode it.
  std::vector<std::string> ServerArgs() const override {
    return {"--max-participants=40", "--video-width=320", "--video-height=180", "--video-framerate=15"};
  }
};

TEST_F(CrowdTest, ThirtyTwoParticipantsArrivingAtOnceAllGetAnswersAndMedia) {
  const std::string room = UniqueRoom("crowd");
  std::vector<std::unique_ptr<RoomParticipant>> crowd;
  const auto start = Clock::now();
  for (int i = 0; i < kCrowd; ++i) {
    MediaClientOptions options = ParticipantOptions("crowd-" + std::to_string(i), 300.0 + 40.0 * i,
                                                    0xFF000000u | (0x0F0F0Fu * static_cast<unsigned>(i % 16 + 1)));
    options.sendVideo = i % 2 == 0;
    options.width = 160;
    options.height = 120;
    options.framerate = 10;
    crowd.push_back(Participant(options));
    const auto joined = crowd.back()->Join(room, 10s);
    ASSERT_TRUE(joined && joined->optValue<std::string>("type", "") == "joined")
        << "participant " << i << " not joined: " << crowd.back()->Describe() << Context();
    crowd.back()->Negotiate();
    std::this_thread::sleep_for(kArrivalInterval);  // the arrival pattern under test, not a wait for readiness
  }

  // Everyone gets an answer, connects, hears and sees the room, and the
  // API answers meanwhile.
  for (int i = 0; i < kCrowd; ++i) {
    RoomParticipant& p = *crowd[i];
    const bool media = p.Received().WaitUntil(
        [&] {
          const auto counters = p.Received().Snapshot();
          return counters.audioSamples >= ReceivedMedia::kSampleRate / 2 && counters.videoFrames >= 5;
        },
        60s);
    ASSERT_TRUE(media) << p.Name() << " has no media " << Seconds(Clock::now() - start) << " s after the first join: "
                       << p.Describe(true) << "\n/healthz: " << (Healthy(Server()) ? "200" : "not 200") << Context();
  }
  std::printf("%d participants hear and see the room %.1f s after the first joined\n", kCrowd,
              Seconds(Clock::now() - start));
  std::fflush(stdout);
  const auto listed = Server().Get("/api/v1/rooms/" + room);
  ASSERT_EQ(listed.status, 200) << Context();
  const auto roomJson = listed.Json();
  ASSERT_TRUE(roomJson && roomJson->isArray("participants")) << listed.body;
  EXPECT_EQ(roomJson->getArray("participants")->size(), static_cast<std::size_t>(kCrowd)) << listed.body;

  // And then the crowd leaves as it came; the room goes with the last.
  for (auto& p : crowd) {
    EXPECT_TRUE(p->Leave(10s)) << p->Describe() << Context();
    p.reset();
  }
  bool gone = false;
  const auto deadline = Clock::now() + Scaled(10s);
  while (!gone && Clock::now() < deadline) {
    gone = Server().Get("/api/v1/rooms/" + room).status == 404;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "the room outlived its participants" << Context();
  EXPECT_TRUE(Healthy(Server())) << Context();
}

}  // namespace
}  // namespace plenum::test
