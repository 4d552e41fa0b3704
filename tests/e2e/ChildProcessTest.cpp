// ChildProcess on small shell scripts, and the server's readiness line.

#include "testclient/ChildProcess.hpp"
#include "testclient/ServerProcess.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::function<bool(const std::string&)> Is(const std::string& expected) {
  return [expected](const std::string& line) { return line == expected; };
}

TEST(ChildProcess, CapturesOutputAndExitStatus) {
  ChildProcess child("/bin/sh", {"-c", "echo hello; echo oops >&2; exit 3"});
  EXPECT_TRUE(child.WaitForLine(Is("hello"), 5s));
  const auto status = child.WaitExit(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_FALSE(child.Running());
  EXPECT_NE(child.OutputTail().find("hello"), std::string::npos);
  EXPECT_NE(child.OutputTail().find("oops"), std::string::npos);
  EXPECT_EQ(ChildProcess::DescribeWaitStatus(*status), "exited with status 3");
}

TEST(ChildProcess, TerminateStopsAProcessWithSigterm) {
  ChildProcess child("/bin/sh", {"-c", "echo ready; exec sleep 60"});
  ASSERT_TRUE(child.WaitForLine(Is("ready"), 5s));
  EXPECT_TRUE(child.Running());
  const ChildProcess::Exit exit = child.Terminate(5s);
  EXPECT_FALSE(exit.killed);
  EXPECT_TRUE(WIFSIGNALED(exit.waitStatus) && WTERMSIG(exit.waitStatus) == SIGTERM)
      << ChildProcess::DescribeWaitStatus(exit.waitStatus);
  EXPECT_FALSE(child.Running());
}

TEST(ChildProcess, TerminateKillsAProcessThatIgnoresSigterm) {
  ChildProcess child("/bin/sh", {"-c", "trap '' TERM; echo ready; while :; do :; done"});
  ASSERT_TRUE(child.WaitForLine(Is("ready"), 5s));
  const ChildProcess::Exit exit = child.Terminate(300ms);
  EXPECT_TRUE(exit.killed);
  EXPECT_TRUE(WIFSIGNALED(exit.waitStatus) && WTERMSIG(exit.waitStatus) == SIGKILL)
      << ChildProcess::DescribeWaitStatus(exit.waitStatus);
}

TEST(ChildProcess, AProgramThatCannotRunExitsWith127) {
  ChildProcess child("/nonexistent/program", {});
  const auto status = child.WaitExit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 127);
  EXPECT_NE(child.OutputTail().find("cannot execute"), std::string::npos) << child.OutputTail();
}

TEST(ChildProcess, WaitForLineEndsWhenTheProcessExits) {
  ChildProcess child("/bin/sh", {"-c", "echo something else"});
  const auto start = Clock::now();
  EXPECT_FALSE(child.WaitForLine(Is("never printed"), 10s));
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(ChildProcess, PassesExtraEnvironmentOverridingInherited) {
  ChildProcess child("/bin/sh", {"-c", "echo \"v=$PLENUM_CHILD_TEST_VAR\"; echo \"home=${HOME:+set}\""},
                     {"PLENUM_CHILD_TEST_VAR=42", "HOME=/nowhere"});
  EXPECT_TRUE(child.WaitForLine(Is("v=42"), 5s)) << child.OutputTail();
  EXPECT_TRUE(child.WaitForLine(Is("home=set"), 5s)) << child.OutputTail();
}

TEST(ChildProcess, AnUnfinishedLastLineIsStillSeen) {
  ChildProcess child("/bin/sh", {"-c", "printf 'no newline'"});
  EXPECT_TRUE(child.WaitForLine(Is("no newline"), 5s)) << child.OutputTail();
}

TEST(ServerProcess, ParsesTheListeningLine) {
  EXPECT_EQ(ServerProcess::ParseListeningPort("plenum: listening on http://127.0.0.1:8080"), 8080);
  EXPECT_EQ(ServerProcess::ParseListeningPort("plenum: listening on http://127.0.0.1:41234\r"), 41234);
  EXPECT_EQ(ServerProcess::ParseListeningPort("plenum: listening on http://127.0.0.1:0"), 0);
  EXPECT_EQ(ServerProcess::ParseListeningPort("plenum: listening on http://127.0.0.1:70000"), 0);
  EXPECT_EQ(ServerProcess::ParseListeningPort("plenum: starting"), 0);
  EXPECT_EQ(ServerProcess::ParseListeningPort("listening on http://127.0.0.1:8080"), 0);
}

}  // namespace
}  // namespace plenum::test
