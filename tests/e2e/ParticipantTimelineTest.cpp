// GET /api/v1/rooms/{room}/participants/{id}: a participant's connection
// timeline and current rates, from real webrtcbin clients, while they are
// in the room and after they left.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "testclient/ReceivedMedia.hpp"
#include "testclient/RestClient.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApiKey = "timeline-test-key";

std::string ParticipantPath(const std::string& room, const std::string& participant) {
  return "/api/v1/rooms/" + room + "/participants/" + participant;
}

// The timeline's entries, with a way to find one by step and details.
class Timeline {
 public:
  explicit Timeline(const HttpResult& result) {
    const auto json = result.Json();
    const auto array = json ? json->getArray("timeline") : nullptr;
    if (!array) return;
    for (std::size_t i = 0; i < array->size(); ++i) entries_.push_back(array->getObject(static_cast<unsigned>(i)));
  }

  // Index of the first entry with `step` whose string fields match
  // `fields` (each "name=value"), or -1.
  int Find(const std::string& step, const std::vector<std::string>& fields = {}) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const auto& entry = entries_[i];
      if (!entry || entry->optValue<std::string>("step", "") != step) continue;
      bool all = true;
      for (const std::string& field : fields) {
        const auto equals = field.find('=');
        const std::string name = field.substr(0, equals);
        const std::string wanted = field.substr(equals + 1);
        if (!entry->has(name) || entry->get(name).toString() != wanted) all = false;
      }
      if (all) return static_cast<int>(i);
    }
    return -1;
  }
  int FindIceUp() const {
    const int connected = Find("ice-state", {"state=connected"});
    return connected >= 0 ? connected : Find("ice-state", {"state=completed"});
  }
  Poco::JSON::Object::Ptr At(int index) const {
    return index >= 0 ? entries_[static_cast<std::size_t>(index)] : nullptr;
  }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Poco::JSON::Object::Ptr> entries_;
};

double Rate(const HttpResult& result, const char* stream, const char* field) {
  const auto json = result.Json();
  const auto rates = json ? json->getObject("rates") : nullptr;
  const auto one = rates ? rates->getObject(stream) : nullptr;
  return one && one->has(field) ? one->getValue<double>(field) : -1;
}

class ParticipantTimelineTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {std::string("--api-key=") + kApiKey}; }

  void SetUp() override {
    ServerTest::SetUp();
    Server().Rest().SetBearerToken(kApiKey);
  }

  // GETs `path` until `done` holds for the answer, up to `timeout`; the
  // last answer either way. For what the server records a moment after a
  // client's own step (a socket's close).
  HttpResult GetUntil(const std::string& path, const std::function<bool(const HttpResult&)>& done,
                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
    HttpResult result = Server().Get(path);
    while (!done(result) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      result = Server().Get(path);
    }
    return result;
  }
};

TEST_F(ParticipantTimelineTest, TellsHowAParticipantConnectedAndWhatFlows) {
  const std::string room = UniqueRoom("timeline");
  auto alice = Participant(ParticipantOptions("alice", 440, 0xFFFF0000));
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 20s)) << Context();
  // Media both ways for a while, so the rates' window (two seconds and a
  // bit) sees steady streams.
  for (RoomParticipant* p : {alice.get(), bob.get()}) {
    ASSERT_TRUE(p->Received().WaitForMoreAudio(3 * ReceivedMedia::kSampleRate, 15s)) << p->Describe(true) << Context();
    ASSERT_TRUE(p->Received().WaitForMoreVideo(5, 15s)) << p->Describe(true) << Context();
  }

  const std::string path = ParticipantPath(room, alice->Id());
  // The first packet out is recorded from a streaming thread a moment
  // after it goes: long since, by now, but the post is asynchronous.
  const HttpResult got = GetUntil(
      path, [](const HttpResult& r) { return Timeline(r).Find("first-media-out", {"kind=video"}) >= 0; }, 5s);
  ASSERT_EQ(got.status, 200) << got.Describe() << Context();
  std::cout << got.body << "\n";
  const auto json = got.Json();
  ASSERT_TRUE(json) << got.Describe();
  EXPECT_EQ(json->optValue<std::string>("id", ""), alice->Id()) << got.Describe();
  EXPECT_EQ(json->optValue<std::string>("name", ""), "alice") << got.Describe();
  EXPECT_EQ(json->optValue<std::string>("room", ""), room) << got.Describe();
  EXPECT_FALSE(json->optValue<std::string>("joinedAt", "").empty()) << got.Describe();
  EXPECT_TRUE(json->has("audioMuted") && json->get("audioMuted").isBoolean()) << got.Describe();
  EXPECT_TRUE(json->has("videoMuted") && json->get("videoMuted").isBoolean()) << got.Describe();
  EXPECT_EQ(json->optValue<std::string>("state", ""), "connected") << got.Describe();
  EXPECT_EQ(json->optValue<int>("timelineDropped", -1), 0) << got.Describe();

  // The steps, in the order they happened.
  const Timeline timeline(got);
  const int opened = timeline.Find("socket-opened");
  const int joined = timeline.Find("joined");
  const int offer = timeline.Find("offer");
  const int answer = timeline.Find("answer");
  const int iceUp = timeline.FindIceUp();
  const int audioIn = timeline.Find("first-media-in", {"kind=audio"});
  const int videoIn = timeline.Find("first-media-in", {"kind=video"});
  const int audioOut = timeline.Find("first-media-out", {"kind=audio"});
  const int videoOut = timeline.Find("first-media-out", {"kind=video"});
  EXPECT_EQ(opened, 0) << got.Describe();
  EXPECT_GT(joined, opened) << got.Describe();
  EXPECT_GT(offer, joined) << got.Describe();
  EXPECT_FALSE(timeline.At(offer) && timeline.At(offer)->has("renegotiation")) << got.Describe();
  EXPECT_GT(answer, offer) << got.Describe();
  EXPECT_GT(iceUp, answer) << got.Describe();
  for (const int media : {audioIn, videoIn, audioOut, videoOut}) EXPECT_GT(media, iceUp) << got.Describe();
  const int peerUp = timeline.Find("peer-connection-state", {"state=connected"});
  EXPECT_GT(peerUp, answer) << got.Describe();
  // Sending waits for the connection: the first packet out comes after it.
  EXPECT_GT(audioOut, peerUp) << got.Describe();
  EXPECT_GT(videoOut, peerUp) << got.Describe();
  for (const auto& [step, index] :
       std::vector<std::pair<std::string, int>>{{"joined", joined}, {"first-media-in", audioIn}}) {
    const auto entry = timeline.At(index);
    const std::string at = entry ? entry->optValue<std::string>("at", "") : "";
    // RFC 3339 UTC with milliseconds: 2026-01-31T09:15:02.345Z.
    EXPECT_EQ(at.size(), 24u) << step << " at " << at;
    EXPECT_EQ(at.back(), 'Z') << step << " at " << at;
    EXPECT_EQ(at.substr(19, 1), ".") << step << " at " << at;
  }

  // Candidates are counted, one entry per kind, not one each.
  const int remote = timeline.Find("remote-candidate", {"type=host"});
  ASSERT_GE(remote, 0) << got.Describe();
  EXPECT_GE(timeline.At(remote)->optValue<int>("count", 0), 1) << got.Describe();
  EXPECT_TRUE(timeline.At(remote)->has("lastAt")) << got.Describe();
  const int local = timeline.Find("local-candidate", {"type=host"});
  ASSERT_GE(local, 0) << got.Describe();
  EXPECT_GE(timeline.At(local)->optValue<int>("count", 0), 1) << got.Describe();

  // The selected pair: kinds and protocols, never an address.
  const int pair = timeline.Find("selected-pair");
  ASSERT_GE(pair, 0) << got.Describe();
  EXPECT_EQ(timeline.At(pair)->optValue<std::string>("localType", ""), "host") << got.Describe();
  EXPECT_FALSE(timeline.At(pair)->optValue<std::string>("remoteType", "").empty()) << got.Describe();
  EXPECT_EQ(timeline.At(pair)->optValue<std::string>("protocol", ""), "udp") << got.Describe();
  EXPECT_EQ(got.body.find(ServerProcess::kHost), std::string::npos) << "an address in the report: " << got.Describe();

  // Rates over the last seconds: Opus in 20 ms packets both ways, and video.
  EXPECT_NEAR(Rate(got, "audioIn", "packetsPerSecond"), 50, 12) << got.Describe();
  EXPECT_NEAR(Rate(got, "audioOut", "packetsPerSecond"), 50, 12) << got.Describe();
  for (const char* stream : {"audioIn", "audioOut"}) {
    EXPECT_GT(Rate(got, stream, "kbps"), 8) << stream << ": " << got.Describe();
    EXPECT_LT(Rate(got, stream, "kbps"), 300) << stream << ": " << got.Describe();
  }
  for (const char* stream : {"videoIn", "videoOut"}) {
    // 15 frames a second in at least one packet each; the composite at 30.
    // A plain red picture is a few dozen bytes a frame.
    EXPECT_GE(Rate(got, stream, "packetsPerSecond"), 10) << stream << ": " << got.Describe();
    EXPECT_GT(Rate(got, stream, "kbps"), 1) << stream << ": " << got.Describe();
    EXPECT_LT(Rate(got, stream, "kbps"), 20000) << stream << ": " << got.Describe();
  }

  // Who is not there: 404, for another id and another room.
  const HttpResult unknown = Server().Get(ParticipantPath(room, "0123456789abcdef"));
  EXPECT_EQ(unknown.status, 404) << unknown.Describe();
  EXPECT_NE(unknown.body.find("not-found"), std::string::npos) << unknown.Describe();
  EXPECT_EQ(Server().Get(ParticipantPath(UniqueRoom("nosuchroom"), alice->Id())).status, 404);
  EXPECT_EQ(Server().Delete(path).status, 405);
  // And the API key is needed, as everywhere under /api/v1.
  RestClient anonymous(ServerProcess::kHost, Server().Port());
  EXPECT_EQ(anonymous.Get(path).status, 401);
  RestClient wrongKey(ServerProcess::kHost, Server().Port());
  wrongKey.SetBearerToken("not-the-key");
  EXPECT_EQ(wrongKey.Get(path).status, 401);

  // bob leaves: his connection is still there, ended.
  const std::string bobPath = ParticipantPath(room, bob->Id());
  ASSERT_TRUE(bob->Leave(5s)) << Context();
  const HttpResult bobLeft = Server().Get(bobPath);
  ASSERT_EQ(bobLeft.status, 200) << bobLeft.Describe() << Context();
  const auto bobJson = bobLeft.Json();
  ASSERT_TRUE(bobJson) << bobLeft.Describe();
  EXPECT_EQ(bobJson->optValue<std::string>("state", ""), "left") << bobLeft.Describe();
  EXPECT_EQ(bobJson->optValue<std::string>("name", ""), "bob") << bobLeft.Describe();
  const Timeline bobTimeline(bobLeft);
  ASSERT_GT(bobTimeline.size(), 0u) << bobLeft.Describe();
  EXPECT_EQ(bobTimeline.Find("left", {"reason=leave"}), static_cast<int>(bobTimeline.size()) - 1) << bobLeft.Describe();
  EXPECT_GE(bobTimeline.Find("first-media-in", {"kind=audio"}), 0) << bobLeft.Describe();
  EXPECT_EQ(Rate(bobLeft, "audioIn", "packetsPerSecond"), 0) << bobLeft.Describe();

  // alice's socket closes: the room empties and goes, her connection stays.
  alice.reset();
  const HttpResult aliceLeft = GetUntil(
      path, [](const HttpResult& r) { return r.Json() && r.Json()->optValue<std::string>("state", "") == "left"; }, 5s);
  ASSERT_EQ(aliceLeft.status, 200) << aliceLeft.Describe() << Context();
  EXPECT_EQ(aliceLeft.Json()->optValue<std::string>("state", ""), "left") << aliceLeft.Describe();
  EXPECT_GE(Timeline(aliceLeft).Find("left", {"reason=socket-closed"}), 0) << aliceLeft.Describe();
  EXPECT_EQ(Server().Get("/api/v1/rooms/" + room).status, 404) << "the room outlived its last participant";
  EXPECT_EQ(Server().Get(bobPath).status, 200) << "bob's ended connection went with the room";
}

// Signaling only: what a client asks of the server shows as it happens,
// errors included, and a deleted room ends its participants' connections.
TEST_F(ParticipantTimelineTest, RecordsErrorsMutesAndARoomClosed) {
  const std::string room = UniqueRoom("closed");
  ASSERT_EQ(Server().Post("/api/v1/rooms", R"({"id":")" + room + R"("})").status, 201) << Context();
  auto carol = Connect();
  carol->Send(JoinMessage(room, "carol"));
  const auto joined = carol->WaitFor("joined", 5s);
  ASSERT_TRUE(joined) << Context();
  const std::string carolId = joined->optValue<std::string>("participant", "");
  carol->SendRaw(R"({"type":"candidate","candidate":"not a candidate","sdpMid":"0","sdpMLineIndex":0})");
  ASSERT_TRUE(ReceivesError(*carol, "bad-request", 5s)) << Context();
  for (int i = 0; i < 3; ++i)
    SendCandidate(*carol, "candidate:1 1 udp 2122260223 192.0.2.7 5000" + std::to_string(i) + " typ host");
  SendCandidate(*carol, "candidate:2 1 udp 2122260223 abcd.local 50000 typ host");
  carol->SendRaw(R"({"type":"mute","audio":true})");

  const std::string path = ParticipantPath(room, carolId);
  const HttpResult got = GetUntil(
      path, [](const HttpResult& r) { return Timeline(r).Find("mute", {"media=audio"}) >= 0; }, 5s);
  ASSERT_EQ(got.status, 200) << got.Describe() << Context();
  const Timeline timeline(got);
  EXPECT_GT(timeline.Find("error", {"code=bad-request"}), timeline.Find("joined")) << got.Describe();
  const int used = timeline.Find("remote-candidate", {"type=host"});
  ASSERT_GE(used, 0) << got.Describe();
  EXPECT_EQ(timeline.At(used)->optValue<int>("count", 0), 3) << got.Describe();
  EXPECT_GE(timeline.Find("remote-candidate", {"type=host", "ignored=true"}), 0) << got.Describe();
  EXPECT_EQ(got.Json()->optValue<std::string>("state", ""), "connecting") << got.Describe();
  EXPECT_TRUE(got.Json()->optValue<bool>("audioMuted", false)) << got.Describe();

  ASSERT_EQ(Server().Delete("/api/v1/rooms/" + room).status, 204) << Context();
  ASSERT_TRUE(ReceivesError(*carol, "room-closed", 5s)) << Context();
  const HttpResult closed = Server().Get(path);
  ASSERT_EQ(closed.status, 200) << closed.Describe() << Context();
  EXPECT_EQ(closed.Json()->optValue<std::string>("state", ""), "left") << closed.Describe();
  const Timeline after(closed);
  const int left = after.Find("left", {"reason=room-closed"});
  EXPECT_EQ(left, static_cast<int>(after.size()) - 1) << closed.Describe();
  EXPECT_EQ(after.Find("error", {"code=room-closed"}), left - 1) << closed.Describe();
}

// get-connection (Plenum's extension): a joined client reads its own
// connection over its own socket, the object the REST route gives, with
// no API key; before it joins, not-joined.
TEST_F(ParticipantTimelineTest, AParticipantReadsItsOwnConnectionOverItsSocket) {
  const std::string room = UniqueRoom("own");
  auto early = Connect();
  early->SendRaw(R"({"type":"get-connection"})");
  ASSERT_TRUE(ReceivesError(*early, "not-joined", 5s)) << Context();
  EXPECT_FALSE(early->WaitFor("connection", 200ms)) << "a report for a socket that has not joined";

  auto alice = Participant(ParticipantOptions("alice", 440, 0xFFFF0000));
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 20s)) << Context();
  ASSERT_TRUE(alice->Received().WaitForMoreAudio(3 * ReceivedMedia::kSampleRate, 15s)) << alice->Describe(true);

  // Asked every 200 ms, as a page would, until the first packet out is in.
  WsClient& socket = alice->Signaling();
  std::optional<WsClient::Message> report;
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + Scaled(10s);
  do {
    socket.SendRaw(R"({"type":"get-connection"})");
    report = socket.WaitFor("connection", 5s);
    ASSERT_TRUE(report) << "no connection message; got " << ::testing::PrintToString(socket.History()) << Context();
    std::ostringstream out;
    report->stringify(out);
    text = out.str();
    if (text.find(R"("first-media-out")") != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  std::cout << text << "\n";
  HttpResult asText;
  asText.status = 200;
  asText.body = text;
  EXPECT_EQ(report->optValue<std::string>("id", ""), alice->Id()) << text;
  EXPECT_NE(report->optValue<std::string>("id", ""), bob->Id()) << text;
  EXPECT_EQ(report->optValue<std::string>("name", ""), "alice") << text;
  EXPECT_EQ(report->optValue<std::string>("room", ""), room) << text;
  EXPECT_EQ(report->optValue<std::string>("state", ""), "connected") << text;
  EXPECT_EQ(text.find(ServerProcess::kHost), std::string::npos) << "an address in the report: " << text;

  // The steps in order, DTLS's states between ICE's and the peer connection's.
  const Timeline timeline(asText);
  const int joined = timeline.Find("joined");
  const int offer = timeline.Find("offer");
  const int answer = timeline.Find("answer");
  const int iceUp = timeline.FindIceUp();
  const int dtlsConnecting = timeline.Find("dtls-state", {"state=connecting"});
  const int dtlsUp = timeline.Find("dtls-state", {"state=connected"});
  const int peerUp = timeline.Find("peer-connection-state", {"state=connected"});
  EXPECT_EQ(timeline.Find("socket-opened"), 0) << text;
  EXPECT_GT(joined, 0) << text;
  EXPECT_GT(offer, joined) << text;
  EXPECT_GT(answer, offer) << text;
  EXPECT_GT(iceUp, answer) << text;
  EXPECT_GT(dtlsConnecting, iceUp) << text;
  EXPECT_GT(dtlsUp, dtlsConnecting) << text;
  EXPECT_GT(peerUp, dtlsUp) << text;
  EXPECT_GT(timeline.Find("first-media-out", {"kind=audio"}), peerUp) << text;
  EXPECT_GE(timeline.Find("selected-pair", {"localType=host", "protocol=udp"}), 0) << text;
  EXPECT_NEAR(Rate(asText, "audioIn", "packetsPerSecond"), 50, 12) << text;

  // The same connection as the REST route tells it (which may have more
  // by now): the same participant, the same steps first.
  const HttpResult rest = Server().Get(ParticipantPath(room, alice->Id()));
  ASSERT_EQ(rest.status, 200) << rest.Describe();
  EXPECT_EQ(rest.Json()->optValue<std::string>("id", ""), alice->Id()) << rest.Describe();
  const Timeline restTimeline(rest);
  ASSERT_GE(restTimeline.size(), timeline.size()) << rest.Describe();
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const int index = static_cast<int>(i);
    EXPECT_EQ(restTimeline.At(index)->optValue<std::string>("step", ""),
              timeline.At(index)->optValue<std::string>("step", ""))
        << i << "\n" << rest.body << "\n" << text;
    EXPECT_EQ(restTimeline.At(index)->optValue<std::string>("at", ""),
              timeline.At(index)->optValue<std::string>("at", ""))
        << i;
  }
}

}  // namespace
}  // namespace plenum::test
