// The plenum command's helpers as an administrator uses them: `plenum token`
// mints tokens the server accepts and refuses to mint ones no join could
// use; the server refuses tokens that are not exactly what it minted.

#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "testclient/ChildProcess.hpp"

#include <sys/wait.h>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "t0ken-secret";
constexpr int kExitUsage = 64;  // EX_USAGE


std::string MintedToken(const std::string& room) {
  const CommandRun run = RunPlenum({"token", std::string("--token-secret=") + kSecret, "--room=" + room, "--ttl=600"});
  if (run.status != 0) return {};
  std::string token = run.output;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

TEST(TokenCommand, RefusesTokensNoJoinCouldUse) {
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--room=../x"},
           {"--room=has space"},
           {"--room=r1", "--ttl=-5"},
           {"--room=r1", "--ttl=0"},
           {"--room=r1", "--ttl=soon"},
           {"--room=r1", "--name="},
           {},
       }) {
    std::vector<std::string> args{"token", std::string("--token-secret=") + kSecret};
    args.insert(args.end(), bad.begin(), bad.end());
    const CommandRun run = RunPlenum(args);
    std::string described;
    for (const auto& arg : bad) described += " " + arg;
    EXPECT_EQ(run.status, kExitUsage) << "plenum token" << described << " printed: " << run.output;
    EXPECT_NE(run.output.find("plenum token:"), std::string::npos) << described << ": " << run.output;
    EXPECT_EQ(run.output.find("eyJ"), std::string::npos) << "a token was printed for" << described;
  }
  EXPECT_EQ(RunPlenum({"token", "--room=r1"}).status, kExitUsage) << "a token without a secret";
}

class TokenServerTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {std::string("--token-secret=") + kSecret}; }

  ::testing::AssertionResult JoinsWith(const std::string& room, const std::string& token) {
    auto ws = Connect();
    WsClient::Message join = JoinMessage(room, "holder");
    join.set("token", token);
    ws->Send(join);
    const auto reply = ws->WaitForAny({"joined", "error"}, 5s);
    if (!reply) return ::testing::AssertionFailure() << "no reply";
    if (reply->getValue<std::string>("type") == "joined") return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << reply->optValue<std::string>("code", "") << ": "
                                         << reply->optValue<std::string>("message", "");
  }
};

TEST_F(TokenServerTest, AMintedTokenAdmitsToItsRoomOnly) {
  const std::string token = MintedToken("council");
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(JoinsWith("council", token)) << Context();
  EXPECT_FALSE(JoinsWith("other-room", token));
  EXPECT_FALSE(JoinsWith("council", token + ".extra")) << "a fourth segment was accepted";
  EXPECT_FALSE(JoinsWith("council", token.substr(0, token.size() - 2))) << "a cut signature was accepted";
}

}  // namespace
}  // namespace plenum::test
