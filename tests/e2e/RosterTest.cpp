// Room membership over signaling only: who is told what when participants
// join and leave, and what a full room answers.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"

#include <Poco/JSON/Array.h>

#include <iostream>
#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

class RosterTest : public ServerTest {};

TEST_F(RosterTest, JoinAndLeaveAreAnnouncedToTheOthers) {
  const std::string room = UniqueRoom("roster");
  auto alice = Connect();
  alice->Send(JoinMessage(room, "alice"));
  const auto aliceJoined = alice->WaitFor("joined", 5s);
  ASSERT_TRUE(aliceJoined) << Context();
  EXPECT_EQ(aliceJoined->optValue<std::string>("room", ""), room) << Stringify(*aliceJoined);
  const std::string aliceId = aliceJoined->optValue<std::string>("participant", "");
  EXPECT_FALSE(aliceId.empty()) << Stringify(*aliceJoined);
  ASSERT_TRUE(aliceJoined->isArray("participants")) << Stringify(*aliceJoined);
  EXPECT_EQ(aliceJoined->getArray("participants")->size(), 0u) << Stringify(*aliceJoined);
  EXPECT_TRUE(aliceJoined->has("recording") && aliceJoined->get("recording").isBoolean()) << Stringify(*aliceJoined);
  EXPECT_TRUE(aliceJoined->isArray("iceServers")) << Stringify(*aliceJoined);

  auto bob = Connect();
  bob->Send(JoinMessage(room, "bob"));
  const auto bobJoined = bob->WaitFor("joined", 5s);
  ASSERT_TRUE(bobJoined) << Context();
  const std::string bobId = bobJoined->optValue<std::string>("participant", "");
  EXPECT_FALSE(bobId.empty());
  EXPECT_NE(bobId, aliceId);
  ASSERT_TRUE(bobJoined->isArray("participants")) << Stringify(*bobJoined);
  const auto others = bobJoined->getArray("participants");
  ASSERT_EQ(others->size(), 1u) << Stringify(*bobJoined);
  const auto listedAlice = others->getObject(0);
  ASSERT_TRUE(listedAlice) << Stringify(*bobJoined);
  EXPECT_EQ(listedAlice->optValue<std::string>("id", ""), aliceId) << Stringify(*bobJoined);
  EXPECT_EQ(listedAlice->optValue<std::string>("name", ""), "alice") << Stringify(*bobJoined);

  const auto joinedNote = alice->WaitFor("participant-joined", 5s);
  ASSERT_TRUE(joinedNote) << Context();
  const auto newcomer = joinedNote->getObject("participant");
  ASSERT_TRUE(newcomer) << Stringify(*joinedNote);
  EXPECT_EQ(newcomer->optValue<std::string>("id", ""), bobId) << Stringify(*joinedNote);
  EXPECT_EQ(newcomer->optValue<std::string>("name", ""), "bob") << Stringify(*joinedNote);

  WsClient::Message leave;
  leave.set("type", "leave");
  bob->Send(leave);
  const auto leftNote = alice->WaitFor("participant-left", 5s);
  ASSERT_TRUE(leftNote) << Context();
  ASSERT_TRUE(leftNote->has("participant") && leftNote->get("participant").isString()) << Stringify(*leftNote);
  EXPECT_EQ(leftNote->getValue<std::string>("participant"), bobId) << Stringify(*leftNote);

  const auto closeCode = bob->WaitForClose(5s);
  ASSERT_TRUE(closeCode) << "the server did not close the socket after leave" << Context();
  std::cout << "server closed bob's socket after leave with code " << *closeCode << "\n";
  EXPECT_NE(*closeCode, 1006) << "the socket was dropped without a WebSocket close frame";
  EXPECT_TRUE(alice->IsOpen());
}

class RoomFullTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-participants=2"}; }
};

TEST_F(RoomFullTest, AThirdJoinIsRefusedAndTheSocketCanJoinElsewhere) {
  const std::string room = UniqueRoom("full");
  auto first = Connect();
  auto second = Connect();
  first->Send(JoinMessage(room, "first"));
  ASSERT_TRUE(first->WaitFor("joined", 5s)) << Context();
  second->Send(JoinMessage(room, "second"));
  ASSERT_TRUE(second->WaitFor("joined", 5s)) << Context();

  auto third = Connect();
  third->Send(JoinMessage(room, "third"));
  EXPECT_TRUE(ReceivesError(*third, "room-full", 5s)) << Context();
  // A refused join changes nothing: the socket stays open and unjoined.
  EXPECT_TRUE(StillServesUnjoined(*third, 5s)) << Context();

  // The members were told only of each other, never of the refused third:
  // first hears of second, then of second leaving, and of nothing between.
  const auto secondJoined = first->WaitFor("participant-joined", 5s);
  ASSERT_TRUE(secondJoined) << Context();
  WsClient::Message leave;
  leave.set("type", "leave");
  second->Send(leave);
  ASSERT_TRUE(first->WaitFor("participant-left", 5s)) << Context();
  const auto extra = first->WaitFor("participant-joined", 0ms);
  EXPECT_FALSE(extra) << "first was told of a participant that was refused: " << Stringify(*extra);
}

}  // namespace
}  // namespace plenum::test
