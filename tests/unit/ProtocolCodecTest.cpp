#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <sstream>

#include "signaling/ProtocolCodec.hpp"
#include "signaling/RestCodec.hpp"

namespace plenum::signaling {
namespace {

using mcu::ErrorCode;
using mcu::ProtocolError;

ErrorCode ErrorOf(const std::string& text) {
  try {
    ParseClientMessage(text);
  } catch (const ProtocolError& error) {
    return error.code();
  }
  ADD_FAILURE() << "accepted: " << text;
  return ErrorCode::Internal;
}

Poco::JSON::Object::Ptr Parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

TEST(ParseClientMessage, Join) {
  const auto request = ParseClientMessage(R"({"type":"join","room":"r1","name":"Ann","extra":1})");
  const auto& join = std::get<mcu::JoinRequest>(request);
  EXPECT_EQ(join.room, "r1");
  EXPECT_EQ(join.name, "Ann");
  EXPECT_FALSE(join.token);
  const auto withToken =
      std::get<mcu::JoinRequest>(ParseClientMessage(R"({"type":"join","room":"r","name":"n","token":"t"})"));
  EXPECT_EQ(withToken.token.value_or(""), "t");
}

TEST(ParseClientMessage, OfferCandidateLeave) {
  EXPECT_EQ(std::get<mcu::OfferRequest>(ParseClientMessage(R"({"type":"offer","sdp":"v=0"})")).sdp, "v=0");
  const auto candidate = std::get<mcu::CandidateRequest>(ParseClientMessage(
      R"({"type":"candidate","candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":1})"));
  EXPECT_EQ(candidate.sdpMLineIndex, 1u);
  EXPECT_EQ(candidate.sdpMid, "0");
  const auto end = std::get<mcu::CandidateRequest>(ParseClientMessage(R"({"type":"candidate","candidate":""})"));
  EXPECT_TRUE(end.candidate.empty());
  EXPECT_TRUE(std::holds_alternative<mcu::LeaveRequest>(ParseClientMessage(R"({"type":"leave"})")));
}

TEST(ParseClientMessage, MuteNamesWhatChangesAndKeepsTheRest) {
  const auto both = std::get<mcu::MuteRequest>(ParseClientMessage(R"({"type":"mute","audio":true,"video":false})"));
  EXPECT_EQ(both.audio, std::optional<bool>(true));
  EXPECT_EQ(both.video, std::optional<bool>(false));
  const auto audioOnly = std::get<mcu::MuteRequest>(ParseClientMessage(R"({"type":"mute","audio":false})"));
  EXPECT_EQ(audioOnly.audio, std::optional<bool>(false));
  EXPECT_FALSE(audioOnly.video.has_value());
}

TEST(ParseClientMessage, GetConnectionAsksForOnesOwnConnection) {
  EXPECT_TRUE(std::holds_alternative<mcu::ConnectionRequest>(ParseClientMessage(R"({"type":"get-connection"})")));
  // Fields it does not use are ignored, as for every message; in
  // particular it names nobody: there is no way to ask for another's.
  EXPECT_TRUE(std::holds_alternative<mcu::ConnectionRequest>(
      ParseClientMessage(R"({"type":"get-connection","participant":"someone-else"})")));
  EXPECT_EQ(ErrorOf(R"({"type":"get_connection"})"), ErrorCode::BadRequest);
  EXPECT_EQ(ErrorOf(R"({"type":"connection"})"), ErrorCode::BadRequest) << "the server's message, not a request";
}

TEST(ParseClientMessage, BadInputIsBadRequest) {
  for (const char* text :
       {"not json", "[1,2]", "{}", R"({"type":5})", R"({"type":"dance"})", R"({"type":"join","room":5,"name":"n"})",
        R"({"type":"join","name":"n"})", R"({"type":"join","room":"r","name":"n","token":7})", R"({"type":"offer"})",
        R"({"type":"offer","sdp":""})", R"({"type":"candidate","candidate":"c"})",
        R"({"type":"candidate","candidate":"c","sdpMLineIndex":"0"})",
        R"({"type":"candidate","candidate":"c","sdpMLineIndex":-1})",
        R"({"type":"candidate","candidate":"c","sdpMLineIndex":1.5})", R"({"type":"mute"})",
        R"({"type":"mute","audio":"yes"})", R"({"type":"mute","video":1})", "\"join\"", ""}) {
    EXPECT_EQ(ErrorOf(text), ErrorCode::BadRequest) << text;
  }
}

TEST(Encode, JoinedCarriesRosterAndIceServers) {
  mcu::JoinedEvent event{"r1", "p2", {{"p1", "Ann", {}}}, false, {{"turn:h:3478", "u", "s"}}};
  const auto json = Parse(EncodeJoined(event));
  EXPECT_EQ(json->getValue<std::string>("type"), "joined");
  EXPECT_EQ(json->getValue<std::string>("participant"), "p2");
  EXPECT_EQ(json->getArray("participants")->getObject(0)->getValue<std::string>("name"), "Ann");
  EXPECT_FALSE(json->getValue<bool>("recording"));
  auto ice = json->getArray("iceServers")->getObject(0);
  EXPECT_EQ(ice->getArray("urls")->getElement<std::string>(0), "turn:h:3478");
  EXPECT_EQ(ice->getValue<std::string>("credential"), "s");
}

TEST(Encode, MuteStateTravelsWithTheParticipant) {
  mcu::ParticipantInfo ann{"p1", "Ann", {}, true, false};
  const auto muted = Parse(EncodeParticipantMuted(ann));
  EXPECT_EQ(muted->getValue<std::string>("type"), "participant-muted");
  EXPECT_EQ(muted->getValue<std::string>("participant"), "p1");
  EXPECT_TRUE(muted->getValue<bool>("audioMuted"));
  EXPECT_FALSE(muted->getValue<bool>("videoMuted"));
  const auto joined = Parse(EncodeJoined(mcu::JoinedEvent{"r1", "p2", {ann}, false, {}}));
  EXPECT_TRUE(joined->getArray("participants")->getObject(0)->getValue<bool>("audioMuted"));
  const auto arrived = Parse(EncodeParticipantJoined(ann));
  EXPECT_FALSE(arrived->getObject("participant")->getValue<bool>("videoMuted"));
}

TEST(Encode, RoomLiveSaysWhichOutputsAreLiveAndWhereToWatch) {
  const auto live = Parse(EncodeRoomLive(mcu::RoomLive{{"rtmp", "hls"}, "/watch/r1"}));
  EXPECT_EQ(live->getValue<std::string>("type"), "room-live");
  EXPECT_TRUE(live->getValue<bool>("live"));
  EXPECT_EQ(live->getArray("kinds")->size(), 2u);
  EXPECT_EQ(live->getValue<std::string>("watch"), "/watch/r1");
  const auto off = Parse(EncodeRoomLive(mcu::RoomLive{}));
  EXPECT_FALSE(off->getValue<bool>("live"));
  EXPECT_EQ(off->getArray("kinds")->size(), 0u);
  EXPECT_FALSE(off->has("watch"));
}

TEST(Encode, SpeakerNullWhenNobody) {
  EXPECT_TRUE(Parse(EncodeSpeaker(""))->isNull("participant"));
  EXPECT_EQ(Parse(EncodeSpeaker("p1"))->getValue<std::string>("participant"), "p1");
}

TEST(Encode, ConnectionIsTheParticipantReportWithAType) {
  using namespace std::chrono_literals;
  mcu::ParticipantReport report;
  report.room = "r";
  const mcu::TimePoint joinedAt = mcu::TimePoint{} + 1'800'000'000s;
  report.participant = {"a1", "alice", joinedAt, true, false};
  report.state = "failed";
  mcu::ConnectionTimeline timeline;
  timeline.Record(joinedAt - 20ms, "socket-opened");
  timeline.Record(joinedAt, "joined", {{"room", std::string("r")}, {"participant", std::string("a1")}});
  timeline.Record(joinedAt + 5s, "ice-state", {{"state", std::string("failed")}});
  timeline.Count(joinedAt + 1s, "remote-candidate", {{"type", std::string("host")}});
  report.timeline = timeline.entries();
  report.rates.videoOut = {30, 512.04};

  const std::string text = EncodeConnection(report);
  const auto json = Parse(text);
  EXPECT_EQ(json->getValue<std::string>("type"), "connection");
  // Everything else exactly as the REST route has it.
  std::ostringstream rest;
  ParticipantReportToJson(report).stringify(rest);
  auto restJson = Parse(rest.str());
  restJson->set("type", "connection");
  std::ostringstream expected;
  restJson->stringify(expected);
  EXPECT_EQ(text, expected.str());

  EXPECT_EQ(json->getValue<std::string>("id"), "a1");
  EXPECT_EQ(json->getValue<std::string>("room"), "r");
  EXPECT_EQ(json->getValue<std::string>("state"), "failed");
  EXPECT_TRUE(json->getValue<bool>("audioMuted"));
  const auto steps = json->getArray("timeline");
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ(steps->getObject(0)->getValue<std::string>("step"), "socket-opened");
  EXPECT_EQ(steps->getObject(2)->getValue<std::string>("state"), "failed");
  EXPECT_EQ(steps->getObject(3)->getValue<int>("count"), 1);
  EXPECT_DOUBLE_EQ(json->getObject("rates")->getObject("videoOut")->getValue<double>("kbps"), 512.0);
}

TEST(Encode, ErrorAndEscaping) {
  const auto json = Parse(EncodeError(ErrorCode::RoomFull, "quote \" and \n newline"));
  EXPECT_EQ(json->getValue<std::string>("code"), "room-full");
  EXPECT_EQ(json->getValue<std::string>("message"), "quote \" and \n newline");
}

}  // namespace
}  // namespace plenum::signaling
