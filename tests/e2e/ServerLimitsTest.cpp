// Limits an administrator relies on: how many sockets the server carries
// at once, and that options come from the INI file named by --config.

#include "support/E2eExpectations.hpp"
#include "support/ProcessUsage.hpp"
#include "support/RawConnection.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <unistd.h>

#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kOpenSockets = 1000;
constexpr long kThreadSlack = 8;

class ServerLimitsTest : public ServerTest {};

class ManySocketsTest : public ServerTest {
 protected:
  void SetUp() override {
    AllowOpenFiles(8192);
    ServerTest::SetUp();
  }
  // All from 127.0.0.1, and idle for as long as the test takes.
  std::vector<std::string> ServerArgs() const override {
    return {"--max-connections-per-address=0", "--joins-per-second-per-address=0", "--join-timeout-seconds=300"};
  }
};

class PerAddressLimitTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-connections-per-address=16"}; }
};

// One address opening connections and never sending a request used to take
// every thread the server had (and /healthz with them). Now it holds its
// share, the rest are refused at once, and others are served throughout.
TEST_F(PerAddressLimitTest, OneAddressHoldsItsShareAndOthersAreServed) {
  constexpr int kLimit = 16;
  constexpr int kAttempts = 40;
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < kAttempts; ++i) {
    flood.push_back(std::make_unique<RawConnection>("127.0.0.2", ServerProcess::kHost, Server().Port()));
    ASSERT_TRUE(flood.back()->connected()) << "connection " << i << Context();
  }
  // The refused ones are closed (or told 503) within moments.
  const auto held = [&] {
    return std::count_if(flood.begin(), flood.end(), [](const auto& c) { return c->Held(); });
  };
  const auto deadline = std::chrono::steady_clock::now() + Scaled(5s);
  while (held() > kLimit && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(held(), kLimit) << Context();

  // Meanwhile another address is served: health, the API, a call.
  EXPECT_TRUE(Healthy(Server())) << Context();
  EXPECT_EQ(Server().Get("/api/v1/rooms").status, 200) << Context();
  EXPECT_TRUE(MediaRoomWorks(Server(), 20s)) << Context();

  // Once its connections close, the address gets its share back.
  flood.clear();
  bool served = false;
  const auto again = std::chrono::steady_clock::now() + Scaled(5s);
  while (!served && std::chrono::steady_clock::now() < again) {
    RawConnection probe("127.0.0.2", ServerProcess::kHost, Server().Port());
    served = probe.Get("/healthz") == "HTTP/1.1 200 OK";
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served) << "127.0.0.2 is still refused after closing its connections" << Context();
}

// With --ice-local-address=127.0.0.1 (as ServerProcess starts it), a call
// leaves the server holding UDP sockets on that address only, and none for
// UPnP: a server never asks a router to open ports (libnice's UPnP client
// listened for SSDP on every interface).
TEST_F(ServerLimitsTest, MediaSocketsOnlyOnTheIceAddressAndNoUpnp) {
  ASSERT_TRUE(MediaRoomWorks(Server(), 20s)) << Context();
  auto participant = Participant(ParticipantOptions("footprint", 440.0, 0xFFFF0000));
  ASSERT_TRUE(participant->JoinAndConnect(UniqueRoom("footprint"), 15s)) << participant->Describe(true) << Context();
  const std::vector<std::string> sockets = UdpSocketsOf(Server().Pid());
  std::string all;
  for (const std::string& socket : sockets) all += " " + socket;
  EXPECT_FALSE(sockets.empty()) << "no UDP socket at all: is the participant connected?";
  for (const std::string& socket : sockets) {
    EXPECT_EQ(socket.rfind(std::string(ServerProcess::kHost) + ":", 0), 0u)
        << "UDP socket outside the ICE address: " << socket << "; all:" << all;
    EXPECT_EQ(socket.find(":1900"), std::string::npos) << "an SSDP (UPnP) socket: " << socket << "; all:" << all;
  }
  // The test client's webrtcbin is set up by the same helper
  // (common/IceRestriction): it asks no router for anything either.
  for (const std::string& socket : UdpSocketsOf(getpid()))
    EXPECT_EQ(socket.find(":1900"), std::string::npos) << "an SSDP (UPnP) socket in the test client: " << socket;
}

// Each WebSocket used to hold an HTTP thread for its whole life (and the
// pool's size capped the server at 256 of them). Now one thread serves
// them all: a thousand open WebSockets, every one answered, cost the server
// their descriptors but no thread each, and a participant still joins.
TEST_F(ManySocketsTest, AThousandOpenWebSocketsAreServedWithoutAThreadEach) {
  const ProcessUsage before = ReadProcessUsage(Server().Pid());
  std::vector<std::unique_ptr<RawConnection>> sockets;
  for (int i = 0; i < kOpenSockets; ++i) {
    sockets.push_back(std::make_unique<RawConnection>("127.0.0.1", ServerProcess::kHost, Server().Port()));
    ASSERT_TRUE(sockets.back()->SendWebSocketMessage("/ws", R"({"type":"offer","sdp":"v=0"})"))
        << "socket " << i << " of " << kOpenSockets << " not upgraded; " << Context();
  }
  for (int i = 0; i < kOpenSockets; ++i) {
    const std::string answer = sockets[i]->Receive(10s);
    ASSERT_NE(answer.find("not-joined"), std::string::npos)
        << "socket " << i << " of " << kOpenSockets << " got [" << answer << "]; " << Context();
  }
  const ProcessUsage during = ReadProcessUsage(Server().Pid());
  std::printf("%d open WebSockets: server %s, before them %s\n", kOpenSockets, during.Describe().c_str(),
              before.Describe().c_str());
  EXPECT_GE(during.fds, before.fds + kOpenSockets) << "the sockets are not all open; " << Context();
  EXPECT_LE(during.threads, before.threads + kThreadSlack) << "threads grow with open sockets; " << Context();

  auto extra = Connect();
  extra->Send(JoinMessage(UniqueRoom("limits"), "one-more"));
  EXPECT_TRUE(extra->WaitFor("joined", 10s)) << Context();
  EXPECT_EQ(Server().Get("/healthz").status, 200);
}

// A client may send its first message right behind the handshake, in the
// same packet, without waiting for the 101: the HTTP layer has read it
// already, and it must not be lost on the way to the hub.
TEST_F(ServerLimitsTest, AJoinSentWithTheHandshakeIsAnswered) {
  RawConnection eager("127.0.0.1", ServerProcess::kHost, Server().Port());
  const std::string join = R"({"type":"join","room":")" + UniqueRoom("eager") + R"(","name":"eager"})";
  ASSERT_EQ(eager.Upgrade("/ws", RawConnection::TextFrame(join)).rfind("HTTP/1.1 101", 0), 0u) << Context();
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + Scaled(10s);
  while (received.find("\"joined\"") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    received += eager.Receive(1s);
  EXPECT_NE(received.find("\"joined\""), std::string::npos) << "got [" << received << "]; " << Context();
}

class JoinRateTest : public ServerTest {
 protected:
  // 2 a second after a burst of 10.
  std::vector<std::string> ServerArgs() const override { return {"--joins-per-second-per-address=2"}; }
};

// One address opening WebSockets (each a join to come) as fast as it can
// gets its burst, then 429 with Retry-After; another address is not
// affected, and the first gets its rate back as time passes.
TEST_F(JoinRateTest, OneAddressOpensOnlySoManyWebSocketsASecond) {
  constexpr int kAttempts = 30;
  constexpr int kBurst = 10;
  int upgraded = 0;
  int refused = 0;
  std::vector<std::unique_ptr<RawConnection>> opened;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kAttempts; ++i) {
    opened.push_back(std::make_unique<RawConnection>("127.0.0.5", ServerProcess::kHost, Server().Port()));
    const std::string status = opened.back()->Upgrade("/ws");
    if (status.rfind("HTTP/1.1 101", 0) == 0) ++upgraded;
    if (status.rfind("HTTP/1.1 429", 0) == 0) ++refused;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(upgraded + refused, kAttempts) << Context();
  EXPECT_GE(upgraded, kBurst) << Context();
  EXPECT_LE(upgraded, kBurst + static_cast<int>(2 * seconds) + 1) << "in " << seconds << " s; " << Context();

  auto other = Connect();  // from 127.0.0.1
  other->Send(JoinMessage(UniqueRoom("rate"), "other"));
  EXPECT_TRUE(other->WaitFor("joined", 10s)) << Context();

  bool again = false;
  const auto deadline = std::chrono::steady_clock::now() + Scaled(5s);
  while (!again && std::chrono::steady_clock::now() < deadline) {
    RawConnection later("127.0.0.5", ServerProcess::kHost, Server().Port());
    again = later.Upgrade("/ws").rfind("HTTP/1.1 101", 0) == 0;
    if (!again) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(again) << "127.0.0.5 is still refused" << Context();
}

class JoinTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--join-timeout-seconds=1"}; }
};

// A socket that never joins is told so and closed (it used to be held, with
// its thread, for as long as the client liked); one that joined stays.
TEST_F(JoinTimeoutTest, ASocketThatNeverJoinsIsClosed) {
  auto idle = Connect();
  auto member = Connect();
  member->Send(JoinMessage(UniqueRoom("timeout"), "member"));
  ASSERT_TRUE(member->WaitFor("joined", 10s)) << Context();

  const auto error = idle->WaitFor("error", 10s);
  ASSERT_TRUE(error) << "the idle socket was not told" << Context();
  EXPECT_EQ(error->optValue<std::string>("code", ""), "not-joined");
  const auto code = idle->WaitForClose(10s);
  ASSERT_TRUE(code) << "the idle socket was not closed" << Context();
  EXPECT_EQ(*code, 1000);

  // Well past the timeout, the member is still in and served.
  EXPECT_FALSE(member->WaitFor("error", 2s)) << Context();
  EXPECT_TRUE(member->IsOpen()) << Context();
  EXPECT_TRUE(member->SendRaw(R"({"type":"candidate","candidate":"","sdpMid":"0","sdpMLineIndex":0})"));
  EXPECT_TRUE(Healthy(Server())) << Context();
}

class HeaderTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--header-timeout-seconds=2"}; }
};

// Slowloris: a request whose headers come a byte at a time used to hold its
// connection and thread for ever (Poco's timeout is per read). Now the
// headers have a deadline; a joined WebSocket and a prompt request do not.
TEST_F(HeaderTimeoutTest, RequestHeadersThatNeverEndAreCutOff) {
  auto member = Connect();
  member->Send(JoinMessage(UniqueRoom("slow"), "member"));
  ASSERT_TRUE(member->WaitFor("joined", 10s)) << Context();

  RawConnection slow("127.0.0.3", ServerProcess::kHost, Server().Port());
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\nHost: plenum\r\nX-Slow: "));
  const auto start = std::chrono::steady_clock::now();
  while (slow.Held() && std::chrono::steady_clock::now() - start < Scaled(15s)) {
    slow.Send("x");
    std::this_thread::sleep_for(300ms);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(slow.Held()) << "still open after " << seconds << " s" << Context();
  std::printf("a request trickling its headers was cut off after %.1f s\n", seconds);

  // The joined socket outlived the deadline, and prompt requests are served.
  EXPECT_TRUE(member->IsOpen()) << Context();
  EXPECT_FALSE(member->WaitFor("error", 100ms)) << Context();
  RawConnection prompt("127.0.0.3", ServerProcess::kHost, Server().Port());
  EXPECT_EQ(prompt.Get("/healthz"), "HTTP/1.1 200 OK") << Context();
}

class ConfigFileTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    std::ofstream ini(config_.path());
    ini << "# written by ConfigFileTest\nmax-participants = 1\nauto-create-rooms = true\n";
    ini.close();
    std::vector<std::string> args{"--config=" + config_.path()};
    args.insert(args.end(), overrides_.begin(), overrides_.end());
    return args;
  }

  Poco::TemporaryFile config_;
  std::vector<std::string> overrides_;
};

class CommandLineOverrideTest : public ConfigFileTest {
 protected:
  CommandLineOverrideTest() { overrides_ = {"--max-participants=2"}; }
};

TEST_F(ConfigFileTest, OptionsComeFromTheIniFile) {
  const std::string room = UniqueRoom("config");
  auto first = Connect();
  first->Send(JoinMessage(room, "first"));
  ASSERT_TRUE(first->WaitFor("joined", 5s)) << Context();
  auto second = Connect();
  second->Send(JoinMessage(room, "second"));
  EXPECT_TRUE(ReceivesError(*second, "room-full", 5s)) << Context();
}

TEST_F(CommandLineOverrideTest, TheCommandLineWinsOverTheIniFile) {
  const std::string room = UniqueRoom("override");
  auto first = Connect();
  first->Send(JoinMessage(room, "first"));
  ASSERT_TRUE(first->WaitFor("joined", 5s)) << Context();
  auto second = Connect();
  second->Send(JoinMessage(room, "second"));
  EXPECT_TRUE(second->WaitFor("joined", 5s)) << Context();
  auto third = Connect();
  third->Send(JoinMessage(room, "third"));
  EXPECT_TRUE(ReceivesError(*third, "room-full", 5s)) << Context();
}

}  // namespace
}  // namespace plenum::test
