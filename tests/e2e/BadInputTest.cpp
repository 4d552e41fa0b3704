// Malformed and out-of-order signaling: each request gets the right error,
// the socket stays open unless the protocol says otherwise, and afterwards
// the server still runs a media room.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"

#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

// A valid offer whose only codecs are ones the server does not take: PCMU
// audio, VP9 video.
const std::string kUnsupportedOffer =
    UnreachableOffer({0, "PCMU/8000", {}}, {98, "VP9/90000", {"rtcp-fb:98 nack pli"}});

WsClient::Message Typed(const std::string& type) {
  WsClient::Message message;
  message.set("type", type);
  return message;
}

WsClient::Message Offer(const std::string& sdp) {
  WsClient::Message offer = Typed("offer");
  offer.set("sdp", sdp);
  return offer;
}

// Every case ends with the server healthy and running a real media room.
class BadInputTest : public SharedServerTest {
 protected:
  void TearDown() override {
    if (!server_) return;
    EXPECT_TRUE(Healthy(Server())) << Context();
    EXPECT_TRUE(MediaRoomWorks(Server(), 20s)) << Context();
  }

  // Sends `text` on a fresh unjoined socket (so that repeated garbage on one
  // socket cannot earn a 1008 close), expects `code`, and checks the socket
  // still works.
  void ExpectRawRefused(const std::string& text, const std::string& code) {
    SCOPED_TRACE("sent: " + text.substr(0, 200));
    auto ws = Connect();
    ASSERT_TRUE(ws->SendRaw(text));
    EXPECT_TRUE(ReceivesError(*ws, code, 5s)) << Context();
    EXPECT_TRUE(StillServesUnjoined(*ws, 5s)) << Context();
  }

  void ExpectRefused(const WsClient::Message& message, const std::string& code) {
    std::ostringstream text;
    message.stringify(text);
    ExpectRawRefused(text.str(), code);
  }
};

TEST_F(BadInputTest, TextThatIsNotJsonIsABadRequest) {
  ExpectRawRefused("this is not json", "bad-request");
  ExpectRawRefused("{\"type\": \"join\", ", "bad-request");
}

TEST_F(BadInputTest, JsonThatIsNotAnObjectIsABadRequest) {
  ExpectRawRefused("[1, 2, 3]", "bad-request");
  ExpectRawRefused("\"join\"", "bad-request");
}

TEST_F(BadInputTest, MissingOrMistypedFieldsAreBadRequests) {
  ExpectRawRefused(R"({"room": "r", "name": "n"})", "bad-request");
  ExpectRawRefused(R"({"type": 5})", "bad-request");
  ExpectRawRefused(R"({"type": "join", "room": 5, "name": "n"})", "bad-request");
  ExpectRawRefused(R"({"type": "join", "room": "r", "name": ["n"]})", "bad-request");
  ExpectRawRefused(R"({"type": "join", "name": "n"})", "bad-request");
}

TEST_F(BadInputTest, AnUnknownTypeIsABadRequest) { ExpectRefused(Typed("dance"), "bad-request"); }

TEST_F(BadInputTest, InvalidRoomIdsAndNamesAreBadRequests) {
  ExpectRefused(JoinMessage("bad room!", "n"), "bad-request");
  ExpectRefused(JoinMessage(std::string(65, 'r'), "n"), "bad-request");
  ExpectRefused(JoinMessage("", "n"), "bad-request");
  ExpectRefused(JoinMessage("fine", ""), "bad-request");
  ExpectRefused(JoinMessage("fine", std::string(65, 'n')), "bad-request");
}

TEST_F(BadInputTest, OfferOrCandidateBeforeJoinIsNotJoined) {
  ExpectRefused(Offer(kUnsupportedOffer), "not-joined");
  WsClient::Message candidate = Typed("candidate");
  candidate.set("candidate", "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host");
  candidate.set("sdpMid", "0");
  candidate.set("sdpMLineIndex", 0);
  ExpectRefused(candidate, "not-joined");
}

TEST_F(BadInputTest, ASecondJoinIsAlreadyJoined) {
  const std::string room = UniqueRoom("twice");
  auto ws = Connect();
  ws->Send(JoinMessage(room, "twice"));
  ASSERT_TRUE(ws->WaitFor("joined", 5s)) << Context();
  ws->Send(JoinMessage(UniqueRoom("other"), "twice"));
  EXPECT_TRUE(ReceivesError(*ws, "already-joined", 5s)) << Context();

  // Still open and still in its room: it hears of a newcomer.
  auto newcomer = Connect();
  newcomer->Send(JoinMessage(room, "newcomer"));
  ASSERT_TRUE(newcomer->WaitFor("joined", 5s)) << Context();
  EXPECT_TRUE(ws->WaitFor("participant-joined", 5s)) << Context();
}

TEST_F(BadInputTest, GarbageSdpIsABadRequestAndAGoodOfferStillWorks) {
  auto participant = Participant(ParticipantOptions("garbage-sdp", 440.0, 0xFFFF0000));
  const auto joined = participant->Join(UniqueRoom("garbage-sdp"), 5s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << participant->Describe() << Context();
  participant->Signaling().Send(Offer("this is not SDP"));
  EXPECT_TRUE(ReceivesError(participant->Signaling(), "bad-request", 5s)) << Context();

  // A failed request changes nothing: a real offer on the same socket works.
  participant->Negotiate();
  EXPECT_TRUE(participant->Media()->WaitConnected(15s)) << participant->Describe(true) << Context();
}

TEST_F(BadInputTest, AnOfferWithoutUsableCodecsIsUnsupportedMedia) {
  auto participant = Participant(ParticipantOptions("pcmu-vp9", 440.0, 0xFFFF0000));
  const auto joined = participant->Join(UniqueRoom("unsupported"), 5s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << participant->Describe() << Context();
  participant->Signaling().Send(Offer(kUnsupportedOffer));
  EXPECT_TRUE(ReceivesError(participant->Signaling(), "unsupported-media", 10s)) << Context();
  EXPECT_FALSE(participant->Signaling().WaitFor("answer", 0ms)) << "an answer came with the error";

  participant->Negotiate();
  EXPECT_TRUE(participant->Media()->WaitConnected(15s)) << participant->Describe(true) << Context();
}

TEST_F(BadInputTest, ACandidateThatDoesNotParseIsABadRequest) {
  auto participant = Participant(ParticipantOptions("bad-candidate", 440.0, 0xFFFF0000));
  const auto joined = participant->Join(UniqueRoom("bad-candidate"), 5s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << participant->Describe() << Context();
  for (const char* candidate : {"garbage", "candidate:1 1 UDP 1 10.0.0.1 99999 typ host",
                                "candidate:1 1 UDP 1 10.0.0.1 4000 typ nonsense"}) {
    SCOPED_TRACE(candidate);
    WsClient::Message message = Typed("candidate");
    message.set("candidate", std::string(candidate));
    message.set("sdpMid", "0");
    message.set("sdpMLineIndex", 0);
    participant->Signaling().Send(message);
    EXPECT_TRUE(ReceivesError(participant->Signaling(), "bad-request", 5s)) << Context();
  }
  // Nothing changed: the participant still negotiates and connects.
  participant->Negotiate();
  EXPECT_TRUE(participant->Media()->WaitConnected(15s)) << participant->Describe(true) << Context();
}

TEST_F(BadInputTest, AFrameOver64KiBClosesTheSocketWith1009) {
  auto ws = Connect();
  WsClient::Message join = JoinMessage(UniqueRoom("huge"), std::string(64 * 1024 + 100, 'x'));
  std::ostringstream text;
  join.stringify(text);
  ASSERT_GT(text.str().size(), 64u * 1024u);
  // The server may close before it has read the whole frame, so the send
  // itself may fail; the close code is what counts.
  ws->SendRaw(text.str());
  const auto code = ws->WaitForClose(5s);
  ASSERT_TRUE(code) << "the socket is still open after a " << text.str().size() << "-byte frame" << Context();
  EXPECT_EQ(*code, 1009) << Context();
}

TEST_F(BadInputTest, AClientVanishingMidNegotiationIsAnnouncedAsLeft) {
  const std::string room = UniqueRoom("vanish");
  auto observer = Connect();
  observer->Send(JoinMessage(room, "observer"));
  ASSERT_TRUE(observer->WaitFor("joined", 5s)) << Context();

  std::string vanishedId;
  {
    auto vanishing = Participant(ParticipantOptions("vanishing", 440.0, 0xFFFF0000));
    const auto joined = vanishing->Join(room, 5s);
    ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << vanishing->Describe() << Context();
    vanishedId = vanishing->Id();
    vanishing->Negotiate();
    ASSERT_TRUE(vanishing->Media()->WaitLocalDescription(10s)) << vanishing->Describe();
    // Gone without a close frame, as a crashed browser tab would be.
    vanishing->Signaling().Abort();
  }

  const auto left = observer->WaitFor("participant-left", 10s);
  ASSERT_TRUE(left) << Context();
  EXPECT_EQ(left->optValue<std::string>("participant", ""), vanishedId);
  EXPECT_TRUE(Healthy(Server())) << Context();
}

}  // namespace
}  // namespace plenum::test
