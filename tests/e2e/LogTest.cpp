// What an administrator reads: one line per join, leave and refused join,
// in the fixed key=value shape they grep for (console output, as without
// systemd), and the notifications systemd gets from a Type=notify service:
// READY=1 once the server answers, WATCHDOG=1 while its control thread
// does (stopped for real with ptrace, it stops them), STOPPING=1 at
// SIGTERM. The test plays the service manager: its own datagram socket is
// the server's NOTIFY_SOCKET. journald itself is JournalTest's.

#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "support/NotifySocket.hpp"
#include "support/ProcessUsage.hpp"
#include "support/ServerTest.hpp"
#include "support/StoppedThread.hpp"
#include "testclient/TimeoutScale.hpp"

#include <cstdio>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Polls until `done` holds or the (load-scaled) time is up.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + Scaled(timeout);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// The server's log lines holding `text`.
std::vector<std::string> LinesWith(const ServerProcess& server, const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream output(server.OutputTail(1 << 20));
  for (std::string line; std::getline(output, line);)
    if (line.find(text) != std::string::npos) lines.push_back(line);
  return lines;
}

std::string Joined(WsClient& ws) {
  const auto joined = ws.WaitFor("joined", Scaled(5s));
  return joined ? joined->optValue<std::string>("participant", "") : std::string();
}

class SessionLinesTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-participants=2"}; }
};

TEST_F(SessionLinesTest, EachJoinAndLeaveHasOneLineAndARefusedJoinAFailure) {
  const std::string room = UniqueRoom("log-lines");
  auto ana = Connect();
  ana->Send(JoinMessage(room, "Ana \"the chair\" Lima"));
  const std::string anaId = Joined(*ana);
  ASSERT_FALSE(anaId.empty()) << HistoryOf(*ana) << Context();
  auto bo = Connect();
  bo->Send(JoinMessage(room, "Bo"));
  const std::string boId = Joined(*bo);
  ASSERT_FALSE(boId.empty()) << HistoryOf(*bo) << Context();
  auto third = Connect();
  third->Send(JoinMessage(room, "Cy"));
  ASSERT_TRUE(ReceivesError(*third, "room-full", Scaled(5s))) << Context();

  WsClient::Message leave;
  leave.set("type", "leave");
  ana->Send(leave);  // reason=leave
  bo->Close();       // reason=socket-closed
  const std::string anaLeave = "leave room=" + room + " participant=" + anaId + " reason=leave duration=";
  const std::string boLeave = "leave room=" + room + " participant=" + boId + " reason=socket-closed duration=";
  ASSERT_TRUE(Eventually([&] { return !LinesWith(Server(), anaLeave).empty() && !LinesWith(Server(), boLeave).empty(); },
                         10s))
      << Context();

  // Exactly one line per event, with every field; the name quoted with its
  // quotes escaped, so that it cannot pass for other fields.
  const auto anaJoins = LinesWith(Server(), "join room=" + room + " participant=" + anaId + " ");
  ASSERT_EQ(anaJoins.size(), 1u) << Context();
  EXPECT_NE(anaJoins[0].find(" name=\"Ana \\\"the chair\\\" Lima\" address=127.0.0.1 transport=ws"),
            std::string::npos)
      << anaJoins[0];
  EXPECT_NE(anaJoins[0].find(" INFO "), std::string::npos) << anaJoins[0];
  const auto boJoins = LinesWith(Server(), "join room=" + room + " participant=" + boId + " ");
  ASSERT_EQ(boJoins.size(), 1u) << Context();
  EXPECT_NE(boJoins[0].find(" name=Bo address=127.0.0.1 transport=ws"), std::string::npos) << boJoins[0];
  EXPECT_EQ(LinesWith(Server(), "join room=" + room).size(), 2u) << Context();

  const std::regex duration(" duration=[0-9]+s$");
  for (const std::string& expected : {anaLeave, boLeave}) {
    const auto leaves = LinesWith(Server(), expected);
    ASSERT_EQ(leaves.size(), 1u) << Context();
    EXPECT_TRUE(std::regex_search(leaves[0], duration)) << leaves[0];
  }
  EXPECT_EQ(LinesWith(Server(), "leave room=" + room).size(), 2u) << Context();

  const auto refused = LinesWith(Server(), "failure room=" + room + " step=join reason=room-full");
  ASSERT_EQ(refused.size(), 1u) << Context();
  EXPECT_NE(refused[0].find(" WARN "), std::string::npos) << refused[0];
  EXPECT_NE(refused[0].find("address=127.0.0.1 transport=ws message=\"the room is full\""), std::string::npos)
      << refused[0];
}

// A participant whose ICE cannot succeed (its one candidate is a closed
// port, and it says it has no other) gets one failure line naming the step.
TEST_F(SessionLinesTest, AFailedConnectionHasOneFailureLine) {
  const std::string room = UniqueRoom("log-ice");
  auto ws = Connect();
  ws->Send(JoinMessage(room, "Ana"));
  const std::string id = Joined(*ws);
  ASSERT_FALSE(id.empty()) << HistoryOf(*ws) << Context();
  std::string sdp = UnreachableOpusVp8Offer();
  const std::string firstSection = "a=rtcp-mux\r\n";
  sdp.insert(sdp.find(firstSection) + firstSection.size(),
             "a=candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host\r\na=end-of-candidates\r\n");
  WsClient::Message offer;
  offer.set("type", "offer");
  offer.set("sdp", sdp);
  ws->Send(offer);
  ASSERT_TRUE(ws->WaitFor("answer", Scaled(5s))) << HistoryOf(*ws) << Context();
  const std::string failure = "failure room=" + room + " participant=" + id + " step=ice reason=failed";
  const auto started = Clock::now();
  ASSERT_TRUE(Eventually([&] { return !LinesWith(Server(), failure).empty(); }, 60s)) << Context();
  std::printf("ICE failed after %.1f s\n", std::chrono::duration<double>(Clock::now() - started).count());
  // The transport's later "failed" states do not repeat it.
  std::this_thread::sleep_for(Scaled(1s));
  EXPECT_EQ(LinesWith(Server(), "failure room=" + room).size(), 1u) << Context();
  EXPECT_NE(LinesWith(Server(), failure)[0].find(" WARN "), std::string::npos) << Context();
}

// A refused room id is the client's word: quoted and escaped, it cannot
// start a line of its own in the log.
TEST_F(SessionLinesTest, ARefusedRoomIdCannotForgeALine) {
  auto ws = Connect();
  ws->Send(JoinMessage("x\njoin room=forged participant=0", "Eve"));
  ASSERT_TRUE(ReceivesError(*ws, "bad-request", Scaled(5s))) << Context();
  ASSERT_TRUE(Eventually([&] { return !LinesWith(Server(), "failure room=\"x\\x0ajoin room=forged").empty(); }, 5s))
      << Context();
  for (const std::string& line : LinesWith(Server(), "room=forged"))
    EXPECT_NE(line.find("failure room=\"x\\x0ajoin room=forged participant=0\" step=join reason=bad-request"),
              std::string::npos)
        << line;
}

// log-level=warning keeps joins and leaves out and failures in.
class WarningLevelTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--log-level=warning", "--max-participants=1"}; }
};

TEST_F(WarningLevelTest, FailuresOnly) {
  const std::string room = UniqueRoom("log-warning");
  auto ana = Connect();
  ana->Send(JoinMessage(room, "Ana"));
  ASSERT_FALSE(Joined(*ana).empty()) << Context();
  auto bo = Connect();
  bo->Send(JoinMessage(room, "Bo"));
  ASSERT_TRUE(ReceivesError(*bo, "room-full", Scaled(5s))) << Context();
  ASSERT_TRUE(Eventually([&] { return !LinesWith(Server(), "failure room=" + room + " step=join").empty(); }, 5s))
      << Context();
  EXPECT_TRUE(LinesWith(Server(), "join room=" + room).empty()) << Context();
}

TEST(LogOptionsTest, AnUnknownLevelOrTargetIsRefusedByName) {
  const CommandRun level = RunPlenum({"--log-level=loud", "--port=0", "--tls-port=off"});
  EXPECT_EQ(level.status, 78) << level.output;  // EX_CONFIG
  EXPECT_NE(level.output.find("log-level must be error, warning, info or debug, not 'loud'"), std::string::npos)
      << level.output;
  const CommandRun target = RunPlenum({"--log-target=syslog", "--port=0", "--tls-port=off"});
  EXPECT_EQ(target.status, 78) << target.output;
  EXPECT_NE(target.output.find("log-target must be auto, console or journal"), std::string::npos) << target.output;
}

// systemd's side of sd_notify, with a 2 s WatchdogSec: WATCHDOG=1 every
// second while the control thread answers.
class NotifyTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--control-stall-seconds=1"}; }
  std::vector<std::string> ServerWrapper() const override {
    return {"/usr/bin/env", "NOTIFY_SOCKET=" + notify_.Path(), "WATCHDOG_USEC=2000000"};
  }

  // The next notification holding `text`, skipping others; empty if none
  // within `timeout` (scaled).
  std::string NextWith(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + Scaled(timeout);
    for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
      const auto datagram =
          notify_.Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      if (datagram && datagram->find(text) != std::string::npos) return *datagram;
    }
    return {};
  }
  // How many notifications holding `text` arrive over `window` (not scaled).
  int CountWith(const std::string& text, std::chrono::milliseconds window) {
    int count = 0;
    const auto end = Clock::now() + window;
    for (auto now = Clock::now(); now < end; now = Clock::now()) {
      const auto datagram = notify_.Receive(std::chrono::duration_cast<std::chrono::milliseconds>(end - now));
      if (datagram && datagram->find(text) != std::string::npos) ++count;
    }
    return count;
  }

  NotifySocket notify_;  // made before the server starts (SetUp)
};

TEST_F(NotifyTest, ReadyOnceServingWatchdogWhileTheControlThreadAnswersStoppingAtSigterm) {
  // The first notification is READY=1, sent once the server listens: the
  // HTTP port answers by the time it is read.
  const auto first = notify_.Receive(Scaled(10s));
  ASSERT_TRUE(first) << "no notification" << Context();
  EXPECT_NE(first->find("READY=1"), std::string::npos) << *first;
  EXPECT_NE(first->find("STATUS=0 rooms, 0 participants"), std::string::npos) << *first;
  EXPECT_EQ(Server().Get("/healthz").status, 200) << Context();

  // Every second while the control thread answers; STATUS= counts a join.
  const std::string room = UniqueRoom("notify");
  auto ws = Connect();
  ws->Send(JoinMessage(room, "Ana"));
  ASSERT_FALSE(Joined(*ws).empty()) << Context();
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(NextWith("WATCHDOG=1", 5s).empty()) << "ping " << i << Context();
  EXPECT_FALSE(NextWith("STATUS=1 rooms, 1 participants", 5s).empty()) << Context();

  // Stopped, the control thread gets no more pings sent for it: after the
  // one that may have left as it stopped, none for three seconds.
  const pid_t control = ThreadNamed(Server().Pid(), "plenum-control");
  ASSERT_GT(control, 0) << "no thread called plenum-control" << Context();
  auto stopped = std::make_unique<StoppedThread>(control);
  CountWith("WATCHDOG=1", 2s);
  EXPECT_EQ(CountWith("WATCHDOG=1", 3s), 0) << "pings while the control thread is stopped" << Context();
  ASSERT_TRUE(stopped->Release(Scaled(5s)));
  EXPECT_FALSE(NextWith("WATCHDOG=1", 10s).empty()) << "no ping after the control thread came back" << Context();

  const ChildProcess::Exit exit = server_->Stop();
  EXPECT_FALSE(NextWith("STOPPING=1", 2s).empty()) << "no STOPPING=1 at SIGTERM" << Context();
  ExpectCleanExit(exit, Context());
  server_.reset();
}

// Outside systemd (no NOTIFY_SOCKET) nothing is sent and nothing breaks:
// every other test runs that way.

}  // namespace
}  // namespace plenum::test
