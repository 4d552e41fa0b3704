// Anyone who can reach the port can send anything. While others abuse the
// server from other addresses (a thousand idle connections, slowloris,
// clients that never read, message floods, join/leave churn with REST calls
// between), a normal call keeps its media, the API answers, and afterwards
// the server gives back its threads, file descriptors and memory.

#include "support/E2eExpectations.hpp"
#include "support/ProcessUsage.hpp"
#include "support/RawConnection.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"


#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kAbuse = 12s;
constexpr int kIdleConnections = 1000;
constexpr int kSlowConnections = 32;
constexpr int kSilentReaders = 4;
constexpr int kChurnCycles = 170;  // each makes a room and closes it; 510 over the three rounds
constexpr long kThreadSlack = 3;
constexpr long kFdSlack = 3;
// The third round over the higher of the first two. Rounds differ by tens
// of MiB either way here (allocator noise, and the first may not reach the
// high-water mark), but without a trend; a leak grows every round (48 MiB
// a round was seen with glibc's default arenas).
constexpr long kRssGrowthKiB = 24 * 1024;
// What the allocator may keep over the baseline once all is over (the
// call's own buffers and caches grow a little meanwhile).
constexpr long kRssOverBaselineKiB = 40 * 1024;
constexpr int kFramerate = 30;  // the composite's, as ServerProcess starts it

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : ", ") + part;
  return joined;
}

double PerSecond(std::uint64_t count, Clock::duration span) {
  return static_cast<double>(count) / std::chrono::duration<double>(span).count();
}

class AbuseTest : public ServerTest {
 protected:
  void SetUp() override {
    AllowOpenFiles(8192);
    ServerTest::SetUp();
  }
  // The churn joins from the call's own address (127.0.0.1) faster than
  // the default allows a second.
  std::vector<std::string> ServerArgs() const override { return {"--joins-per-second-per-address=50"}; }
};

// What one round of abuse did, and what the call got meanwhile.
struct Round {
  double audioA = 0, audioB = 0, videoA = 0, videoB = 0;  // per second
  bool healthy = false;
  int apiStatus = 0;
  int idleHeld = 0, floodsClosed = 0, churnCycles = 0, churnFailures = 0;
};

Round Abuse(const ServerProcess& server, RoomParticipant& a, RoomParticipant& b) {
  std::atomic<bool> stop{false};
  std::atomic<int> idleHeld{0}, floodsClosed{0}, floodsRefused{0}, churnCycles{0}, churnFailures{0};
  std::vector<std::thread> abusers;
  const std::uint16_t port = server.Port();
  const std::string host = ServerProcess::kHost;

  // A thousand connections that never send a request, from one address.
  abusers.emplace_back([&] {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < kIdleConnections && !stop; ++i)
      idle.push_back(std::make_unique<RawConnection>("127.0.0.2", host, port));
    while (!stop) std::this_thread::sleep_for(100ms);
    for (const auto& c : idle) idleHeld += c->Held() ? 1 : 0;
  });
  // Slowloris: requests that arrive a header byte at a time, never ending.
  abusers.emplace_back([&] {
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < kSlowConnections; ++i) {
      slow.push_back(std::make_unique<RawConnection>("127.0.0.3", host, port));
      slow.back()->Send("GET / HTTP/1.1\r\nHost: plenum\r\nX-Slow: ");
    }
    while (!stop) {
      for (const auto& c : slow) c->Send("x");
      std::this_thread::sleep_for(500ms);
    }
  });
  // Slowloris inside WebSockets: a frame that announces 1000 bytes and
  // brings one every half second (one thread serves every WebSocket; a
  // blocking read of a frame would stop them all).
  abusers.emplace_back([&] {
    std::vector<std::unique_ptr<RawConnection>> slow;
    const std::string frame = RawConnection::TextFrame(std::string(1000, ' '));
    for (int i = 0; i < kSlowConnections; ++i) {
      slow.push_back(std::make_unique<RawConnection>("127.0.0.6", host, port));
      if (slow.back()->Upgrade("/ws").rfind("HTTP/1.1 101", 0) == 0) slow.back()->Send(frame.substr(0, 8));
    }
    for (std::size_t at = 8; !stop && at < frame.size(); ++at) {
      for (const auto& c : slow) c->Send(frame.substr(at, 1));
      std::this_thread::sleep_for(500ms);
    }
    while (!stop) std::this_thread::sleep_for(100ms);
  });
  // Clients that join and then never read what the server sends them.
  abusers.emplace_back([&] {
    std::vector<std::unique_ptr<RawConnection>> silent;
    for (int i = 0; i < kSilentReaders; ++i) {
      silent.push_back(std::make_unique<RawConnection>("127.0.0.4", host, port));
      silent.back()->SendWebSocketMessage(
          "/ws", R"({"type":"join","room":"abuse-silent","name":"silent-)" + std::to_string(i) + R"("})");
    }
    while (!stop) std::this_thread::sleep_for(100ms);
  });
  // Message floods: valid messages (each answered with an error: not
  // joined) well past the burst a client may send, reconnecting when
  // closed, from an address of their own.
  abusers.emplace_back([&] {
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += RawConnection::TextFrame(R"({"type":"offer","sdp":"v=0"})");
    while (!stop) {
      RawConnection flood("127.0.0.7", host, port);
      if (flood.Upgrade("/ws").rfind("HTTP/1.1 101", 0) != 0) {
        ++floodsRefused;  // reconnecting faster than joins-per-second-per-address
        std::this_thread::sleep_for(100ms);
        continue;
      }
      flood.Send(burst);
      if (flood.WaitUntilClosed(5s)) ++floodsClosed;
    }
  });
  // Churn, a soak of the whole join path: participants join one of several
  // rooms (each made and closed by its one member), offer, trickle every
  // kind of candidate (mDNS included) and leave at once, with REST calls
  // between; the same number each round, so that rounds compare. (A leave
  // while webrtcbin still applied the offer left a transport blocked, and
  // with it a libnice agent's sockets, about once in 500 cycles: see
  // StopStragglers.)
  abusers.emplace_back([&] {
    RestClient rest(host, port);
    WsClient::Message offer;
    offer.set("type", "offer");
    offer.set("sdp", UnreachableOpusVp8Offer());
    for (int i = 0; i < kChurnCycles; ++i) {
      try {
        WsClient member(host, port);
        member.Send(JoinMessage("abuse-churn-" + std::to_string(i % 4), "churn-" + std::to_string(i)));
        bool ok = static_cast<bool>(member.WaitFor("joined", Scaled(5s)));
        member.Send(offer);
        // The server answers once its streams have started, or after
        // kOutgoingStartTimeoutMs (5 s) if they have not: under this abuse
        // on two cores a stream was once that slow (CI, 1 cycle in 510).
        ok = ok && member.WaitFor("answer", Scaled(10s));
        for (const std::string& candidate : EveryKindOfCandidate()) SendCandidate(member, candidate);
        member.SendRaw(R"({"type":"leave"})");
        ok = member.WaitForClose(Scaled(5s)) && ok;
        for (const std::string& type : member.History()) ok = ok && type.rfind("error", 0) != 0;
        if (!ok) {
          ++churnFailures;
          std::printf("churn cycle %d failed: %s\n", i, Join(member.History()).c_str());
        }
        if (rest.Get("/api/v1/rooms").status != 200) ++churnFailures;
      } catch (const std::exception& error) {
        ++churnFailures;
        std::printf("churn cycle %d failed: %s\n", i, error.what());
      }
      ++churnCycles;
    }
  });

  // The call, measured while all that goes on (after a second to let the
  // abuse get going).
  std::this_thread::sleep_for(1s);
  const auto beforeA = a.Received().Snapshot();
  const auto beforeB = b.Received().Snapshot();
  const auto from = Clock::now();
  std::this_thread::sleep_for(kAbuse / 2);
  Round round;
  round.healthy = static_cast<bool>(Healthy(server));
  try {
    round.apiStatus = server.Get("/api/v1/rooms").status;
  } catch (const std::exception&) {
  }
  std::this_thread::sleep_for(kAbuse / 2);
  const auto span = Clock::now() - from;
  const auto afterA = a.Received().Snapshot();
  const auto afterB = b.Received().Snapshot();
  stop = true;
  for (auto& t : abusers) t.join();

  round.audioA = PerSecond(afterA.audioSamples - beforeA.audioSamples, span);
  round.audioB = PerSecond(afterB.audioSamples - beforeB.audioSamples, span);
  round.videoA = PerSecond(afterA.videoFrames - beforeA.videoFrames, span);
  round.videoB = PerSecond(afterB.videoFrames - beforeB.videoFrames, span);
  round.idleHeld = idleHeld;
  round.floodsClosed = floodsClosed;
  round.churnCycles = churnCycles;
  round.churnFailures = churnFailures;
  std::printf("during %.1f s of abuse: call-a %.0f samples/s (%.1f packets/s), %.1f frames/s; call-b %.0f samples/s "
              "(%.1f packets/s), %.1f frames/s\n",
              std::chrono::duration<double>(span).count(), round.audioA, round.audioA / 960.0, round.videoA,
              round.audioB, round.audioB / 960.0, round.videoB);
  std::printf("abuse: %d of %d idle connections held by the server, %d floods closed (%d refused at the handshake), "
              "%d join/offer/candidates/leave cycles (%d failed)\n",
              round.idleHeld, kIdleConnections, round.floodsClosed, static_cast<int>(floodsRefused), round.churnCycles,
              round.churnFailures);
  std::fflush(stdout);
  return round;
}

TEST_F(AbuseTest, ACallKeepsItsMediaWhileOthersAbuseTheServer) {
  const std::string room = UniqueRoom("call");
  auto a = Participant(ParticipantOptions("call-a", 440.0, 0xFFFF0000));
  auto b = Participant(ParticipantOptions("call-b", 660.0, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({a.get(), b.get()}, room, 20s)) << Context();
  for (RoomParticipant* p : {a.get(), b.get()}) {
    ASSERT_TRUE(p->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << p->Describe(true) << Context();
    ASSERT_TRUE(p->Received().WaitForMoreVideo(kFramerate, 15s)) << p->Describe(true) << Context();
  }
  const ProcessUsage baseline = ReadProcessUsage(Server().Pid());
  const std::string baselineFds = DescribeFds(Server().Pid());

  // Three rounds: the first sets the allocator's high-water mark (glibc
  // keeps freed heap for reuse); the next two show whether anything keeps
  // growing.
  std::vector<ProcessUsage> settled;
  for (int i = 0; i < 3; ++i) {
    const Round round = Abuse(Server(), *a, *b);
    EXPECT_TRUE(round.healthy) << Context();
    EXPECT_EQ(round.apiStatus, 200) << Context();
    // 50 audio packets (of 20 ms, 960 samples) a second, and the
    // composite's frame rate, within what a loaded two-core machine decodes.
    for (double rate : {round.audioA, round.audioB}) EXPECT_GT(rate, 0.9 * ReceivedMedia::kSampleRate) << Context();
    for (double rate : {round.videoA, round.videoB}) EXPECT_GT(rate, 0.6 * kFramerate) << Context();
    EXPECT_LE(round.idleHeld, 64) << "one address held more than its share";
    EXPECT_GT(round.floodsClosed, 0) << "no flooding socket was closed";
    EXPECT_EQ(round.churnFailures, 0) << Context();

    // Afterwards threads and sockets come back: idle pool threads go within
    // a few seconds, sockets and rooms at once.
    settled.push_back(SettledUsage(Server().Pid(), baseline, kThreadSlack, kFdSlack, 30s));
    std::printf("server before: %s; after round %d: %s\n", baseline.Describe().c_str(), i + 1,
                settled.back().Describe().c_str());
    std::fflush(stdout);
    EXPECT_LE(settled.back().threads, baseline.threads + kThreadSlack) << Context();
    EXPECT_LE(settled.back().fds, baseline.fds + kFdSlack)
        << DescribeFds(Server().Pid()) << "; baseline: " << baselineFds << DescribeSockets(Server().Pid()) << Context();
  }
  EXPECT_LE(settled[2].rssKiB, std::max(settled[0].rssKiB, settled[1].rssKiB) + kRssGrowthKiB)
      << "memory keeps growing" << Context();
  // And memory comes back near where it was once the rooms are gone (the
  // server gives freed heap back a few seconds after the last room closed;
  // 130 MiB stayed held here before it did).
  long rssKiB = settled[2].rssKiB;
  const auto deadline = Clock::now() + Scaled(10s);
  while (rssKiB > baseline.rssKiB + kRssOverBaselineKiB && Clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    rssKiB = ReadProcessUsage(Server().Pid()).rssKiB;
  }
  EXPECT_LE(rssKiB, baseline.rssKiB + kRssOverBaselineKiB)
      << "RSS " << rssKiB / 1024 << " MiB, " << baseline.rssKiB / 1024 << " MiB before the abuse" << Context();
  // And the call still works.
  EXPECT_TRUE(a->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate / 2, 5s)) << a->Describe(true);
}

}  // namespace
}  // namespace plenum::test
