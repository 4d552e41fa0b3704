#pragma once

#include "testclient/RoomParticipant.hpp"
#include "testclient/ServerProcess.hpp"
#include "testclient/WsClient.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace plenum::test {

// Lets this process hold up to `files` descriptors (a thousand sockets and
// then some, for the tests that open that many), within the hard limit.
void AllowOpenFiles(unsigned long files);

// A test with its own plenum server, started in SetUp and stopped in
// TearDown, where the server must exit on SIGTERM within 10 s.
class ServerTest : public ::testing::Test {
 protected:
  // Extra command-line arguments for the server.
  virtual std::vector<std::string> ServerArgs() const { return {}; }
  // A command the server runs under (see ServerProcess); none by default.
  virtual std::vector<std::string> ServerWrapper() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  ServerProcess& Server() { return *server_; }
  std::unique_ptr<WsClient> Connect() { return server_->Connect(); }
  std::unique_ptr<RoomParticipant> Participant(const MediaClientOptions& options);
  // The server's output tail, to append to assertion messages.
  std::string Context() const;

  // A failed stop is reported by the subclass's TearDown through this.
  static void ExpectCleanExit(const ChildProcess::Exit& exit, const std::string& context);

  std::shared_ptr<ServerProcess> server_;
};

// The same, but one server serves every test of the suite (restarted if a
// test killed it), for suites of many short cases.
class SharedServerTest : public ServerTest {
 protected:
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override {}

 private:
  static std::shared_ptr<ServerProcess> shared_;
};

}  // namespace plenum::test
