// When the control thread stops answering (a deadlock, a stuck element),
// the server must say so: /healthz fails, the log names every thread's
// state, and SIGTERM still ends the process in bounded time. The control
// thread is stopped for real, with ptrace, not through a hook.

#include "support/E2eExpectations.hpp"
#include "support/ProcessUsage.hpp"
#include "support/ServerTest.hpp"
#include "support/StoppedThread.hpp"
#include "testclient/TimeoutScale.hpp"

#include <sys/wait.h>

#include <csignal>
#include <functional>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kExitSoftware = 70;  // sysexits EX_SOFTWARE: shutdown gave up waiting

class WatchdogTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--control-stall-seconds=1"}; }

  // Polls until `done` holds or the (load-scaled) time is up.
  static bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + Scaled(timeout);
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(100ms);
    }
    return true;
  }

  int HealthStatus() {
    try {
      return Server().Get("/healthz").status;
    } catch (const std::exception&) {
      return 0;
    }
  }

  bool OutputHas(const std::string& text) const { return server_->OutputTail(256 * 1024).find(text) != std::string::npos; }

  std::unique_ptr<StoppedThread> StopControlThread() {
    const pid_t control = ThreadNamed(Server().Pid(), "plenum-control");
    if (control < 0) return nullptr;
    return std::make_unique<StoppedThread>(control);
  }
};

TEST_F(WatchdogTest, AStuckControlThreadFailsHealthzAndRecovers) {
  ASSERT_TRUE(Healthy(Server())) << Context();
  auto stopped = StopControlThread();
  ASSERT_TRUE(stopped) << "no thread called plenum-control" << Context();

  EXPECT_TRUE(Eventually([&] { return HealthStatus() == 503; }, 10s)) << "/healthz still answers " << HealthStatus()
                                                                       << Context();
  const HttpResult health = Server().Get("/healthz");
  EXPECT_NE(health.body.find("control thread not answering"), std::string::npos) << health.Describe();
  // The report names every thread; the stopped one shows ptrace's stop, 't'.
  EXPECT_TRUE(Eventually([&] { return OutputHas("control thread has not answered for"); }, 5s)) << Context();
  EXPECT_TRUE(OutputHas("'plenum-control' t")) << Context();
  EXPECT_TRUE(OutputHas("'plenum-watchdog' ")) << Context();

  ASSERT_TRUE(stopped->Release(5s));
  EXPECT_TRUE(Eventually([&] { return HealthStatus() == 200; }, 10s)) << "/healthz answers " << HealthStatus()
                                                                       << Context();
  EXPECT_TRUE(Eventually([&] { return OutputHas("control thread answers again"); }, 5s)) << Context();
  // And it really serves again: two participants hear each other.
  EXPECT_TRUE(MediaRoomWorks(Server(), 20s)) << Context();
}

TEST_F(WatchdogTest, ShutdownEndsInBoundedTimeWhileTheControlThreadIsStuck) {
  auto stopped = StopControlThread();
  ASSERT_TRUE(stopped) << "no thread called plenum-control" << Context();
  ASSERT_TRUE(Eventually([&] { return HealthStatus() == 503; }, 10s)) << Context();

  const auto terminated = Clock::now();
  ASSERT_EQ(kill(Server().Pid(), SIGTERM), 0);
  // The shutdown cannot finish (it needs the control thread), so the
  // server's own deadline (8 s) must end it. Collect the stopped thread as
  // the process exits, or the exit is never reported.
  EXPECT_TRUE(stopped->CollectOnExit(Scaled(20s))) << "the server did not exit" << Context();
  const std::optional<int> status = Server().Process().WaitExit(Scaled(5s));
  const double seconds = std::chrono::duration<double>(Clock::now() - terminated).count();
  ASSERT_TRUE(status.has_value()) << "still running " << seconds << " s after SIGTERM" << Context();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == kExitSoftware)
      << ChildProcess::DescribeWaitStatus(*status) << Context();
  EXPECT_TRUE(OutputHas("shutdown did not finish in time")) << Context();
  std::printf("shutdown with a stuck control thread took %.1f s\n", seconds);
}

// A server that dies of a fatal signal says which, in which thread, and
// where (a backtrace), then dies of it as it would have: a rare crash in CI
// leaves something to start from.
class CrashReportTest : public ServerTest {};

TEST_F(CrashReportTest, AFatalSignalLeavesABacktraceAndTheSameDeath) {
  ASSERT_EQ(kill(Server().Pid(), SIGSEGV), 0);
  const std::optional<int> status = Server().Process().WaitExit(Scaled(10s));
  ASSERT_TRUE(status.has_value()) << "the server outlived SIGSEGV" << Context();
  server_->Stop();  // reads the pipes to their end
  const std::string output = server_->OutputTail(256 * 1024);
  server_.reset();  // it is dead: nothing for TearDown to check
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGSEGV) << ChildProcess::DescribeWaitStatus(*status);
  EXPECT_NE(output.find("plenum: fatal signal 11 (SEGV) in thread "), std::string::npos) << output;
  const auto backtrace = output.find("backtrace");
  const auto end = output.find("plenum: end of backtrace");
  ASSERT_NE(backtrace, std::string::npos) << output;
  ASSERT_NE(end, std::string::npos) << output;
  // Frames name their module and offset (addr2line turns them into lines).
  EXPECT_NE(output.substr(backtrace, end - backtrace).find("(+0x"), std::string::npos) << output;
}

}  // namespace
}  // namespace plenum::test
