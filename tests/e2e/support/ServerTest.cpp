#include "support/ServerTest.hpp"

#include "support/E2eExpectations.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>

namespace plenum::test {

void AllowOpenFiles(unsigned long files) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, std::max<rlim_t>(limit.rlim_cur, files));
  setrlimit(RLIMIT_NOFILE, &limit);
}

std::shared_ptr<ServerProcess> SharedServerTest::shared_;

void ServerTest::SetUp() {
  try {
    server_ = std::make_shared<ServerProcess>(ServerArgs(), std::chrono::seconds(20), ServerWrapper());
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

void ServerTest::TearDown() {
  if (!server_) return;
  const std::string context = Context();
  ExpectCleanExit(server_->Stop(), context);
  server_.reset();
}

void ServerTest::ExpectCleanExit(const ChildProcess::Exit& exit, const std::string& context) {
  EXPECT_FALSE(exit.killed) << "the server was still running 10 s after SIGTERM" << context;
  const bool crashed = WIFSIGNALED(exit.waitStatus) && WTERMSIG(exit.waitStatus) != SIGTERM && !exit.killed;
  EXPECT_FALSE(crashed) << "the server " << ChildProcess::DescribeWaitStatus(exit.waitStatus) << context;
}

std::unique_ptr<RoomParticipant> ServerTest::Participant(const MediaClientOptions& options) {
  return std::make_unique<RoomParticipant>(ServerProcess::kHost, server_->Port(), options);
}

std::string ServerTest::Context() const { return server_ ? ServerContext(*server_) : std::string("\n(no server)"); }

void SharedServerTest::SetUp() {
  if (shared_ && !shared_->Running()) {
    ADD_FAILURE() << "the shared server died during an earlier test: "
                  << ChildProcess::DescribeWaitStatus(shared_->Stop().waitStatus) << ServerContext(*shared_);
    shared_.reset();
  }
  if (!shared_) {
    try {
      shared_ = std::make_shared<ServerProcess>(ServerArgs());
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  server_ = shared_;
}

void SharedServerTest::TearDownTestSuite() {
  if (!shared_) return;
  const std::string context = ServerContext(*shared_);
  ExpectCleanExit(shared_->Stop(), context);
  shared_.reset();
}

}  // namespace plenum::test
