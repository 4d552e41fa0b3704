// The settings for clients and servers behind NATs and firewalls, against a
// real plenum server, real webrtcbin clients and a real TURN server
// (Debian's coturn): TURN handed to clients in joined.iceServers and used
// relay-only, a wrong TURN password, public-ip in the server's candidates,
// the ICE port range, and ICE over TCP with UDP blocked.
//
// coturn here relays to loopback peers, which it only does when told: the
// test runs in a network namespace of its own (scripts/isolated-net.sh, as
// `meson test e2e-nat` does), so the relay reaches nothing but this test.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "support/TurnServer.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/ReceivedMedia.hpp"
#include "testclient/RestClient.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>

#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPublicIp = "203.0.113.7";  // TEST-NET-3: documentation only, routed nowhere
constexpr unsigned kIcePortMin = 41000;           // apart from coturn's relay ports (40000-40999)
constexpr unsigned kIcePortMax = 41099;

::testing::AssertionResult InOwnNamespace() {
  const char* isolated = std::getenv("PLENUM_ISOLATED_NET");
  if (isolated && std::string(isolated) == "1") return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "refusing to run: coturn relays to loopback peers here, which belongs in a network namespace of the "
            "test's own. Run it through scripts/isolated-net.sh (meson test e2e-nat does).";
}

// One server ICE candidate, split: "candidate:F 1 UDP PRIO ADDR PORT typ host [tcptype passive]".
struct Candidate {
  std::string line, protocol, address, type, tcpType;
  unsigned port = 0;
};

Candidate Parse(const std::string& text) {
  Candidate candidate;
  candidate.line = text.rfind("a=", 0) == 0 ? text.substr(2) : text;
  std::istringstream in(candidate.line);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() < 8) return candidate;
  candidate.protocol = fields[2];
  for (char& c : candidate.protocol) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  candidate.address = fields[4];
  candidate.port = static_cast<unsigned>(std::strtoul(fields[5].c_str(), nullptr, 10));
  candidate.type = fields[7];
  for (std::size_t i = 8; i + 1 < fields.size(); ++i)
    if (fields[i] == "tcptype") candidate.tcpType = fields[i + 1];
  return candidate;
}

// The server's candidates for a join with an unreachable offer: those in its
// answer and those it trickles, until `enough` holds for them or `timeout`.
std::vector<Candidate> ServerCandidates(WsClient& ws, const std::function<bool(const std::vector<Candidate>&)>& enough,
                                        std::chrono::milliseconds timeout) {
  std::vector<Candidate> candidates;
  ws.Send(JoinMessage(UniqueRoom("nat"), "probe"));
  if (!ws.WaitFor("joined", 5s)) return candidates;
  WsClient::Message offer;
  offer.set("type", "offer");
  offer.set("sdp", UnreachableOpusVp8Offer());
  ws.Send(offer);
  const auto answer = ws.WaitFor("answer", 10s);
  if (!answer) return candidates;
  std::istringstream sdp(answer->optValue<std::string>("sdp", ""));
  for (std::string line; std::getline(sdp, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("a=candidate:", 0) == 0) candidates.push_back(Parse(line));
  }
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  while (!enough(candidates) && std::chrono::steady_clock::now() < deadline) {
    // WaitFor scales its own timeout; a short one keeps this loop's deadline.
    if (const auto trickled = ws.WaitFor("candidate", 200ms)) {
      const std::string text = trickled->optValue<std::string>("candidate", "");
      if (!text.empty()) candidates.push_back(Parse(text));
    }
  }
  return candidates;
}

std::string Lines(const std::vector<Candidate>& candidates) {
  std::string out;
  for (const auto& candidate : candidates) out += "\n  " + candidate.line;
  return out;
}

// The participant's timeline entries with `step`, as JSON objects.
std::vector<Poco::JSON::Object::Ptr> Steps(const HttpResult& result, const std::string& step) {
  std::vector<Poco::JSON::Object::Ptr> found;
  const auto json = result.Json();
  const auto timeline = json ? json->getArray("timeline") : nullptr;
  for (std::size_t i = 0; timeline && i < timeline->size(); ++i) {
    const auto entry = timeline->getObject(static_cast<unsigned>(i));
    if (entry && entry->optValue<std::string>("step", "") == step) found.push_back(entry);
  }
  return found;
}

// `participant` hears `otherHz` clearly (20 dB over the rest).
::testing::AssertionResult Hears(const RoomParticipant& participant, double otherHz) {
  const bool heard = participant.Received().WaitUntil(
      [&] {
        const auto audio = participant.Received().LastAudio(ReceivedMedia::kSampleRate / 2);
        return audio.size() == ReceivedMedia::kSampleRate / 2 &&
               ToneLevelDb(audio, otherHz, 1500.0, ReceivedMedia::kSampleRate) > 20.0;
      },
      15s);
  if (heard) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << participant.Name() << " does not hear " << otherHz << " Hz";
}

// A plenum server whose only TURN server is a coturn of the test's own.
class TurnRelayTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InOwnNamespace());
    try {
      turn_ = std::make_unique<TurnServer>(TurnOptions());
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    ServerTest::SetUp();
  }
  void TearDown() override {
    ServerTest::TearDown();
    turn_.reset();  // coturn stops with it, whatever happened
  }
  std::vector<std::string> ServerArgs() const override { return {"--turn-servers=" + turn_->Url()}; }
  virtual TurnServer::Options TurnOptions() const { return {}; }

  std::string TurnContext() const {
    return "\n--- coturn log (tail) ---\n" + Tail(turn_->Log(), 4000) + Context();
  }
  static std::string Tail(const std::string& text, std::size_t bytes) {
    return text.size() > bytes ? text.substr(text.size() - bytes) : text;
  }

  // Relay only, with the ICE servers the server hands out.
  static MediaClientOptions RelayOnly(const std::string& name, double toneHz, std::uint32_t colour) {
    MediaClientOptions options = ParticipantOptions(name, toneHz, colour);
    options.relayOnly = true;
    options.iceServersFromJoined = true;
    return options;
  }

  std::unique_ptr<TurnServer> turn_;
};

TEST_F(TurnRelayTest, RelayOnlyClientsTalkThroughTheTurnServerTheyAreHanded) {
  const std::string room = UniqueRoom("relay");
  auto alice = Participant(RelayOnly("alice", 440, 0xFFFF0000));
  auto bob = Participant(RelayOnly("bob", 660, 0xFF0000FF));

  // joined.iceServers: the TURN server with its credentials, RTCIceServer-shaped.
  const auto joined = alice->Join(room, 10s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << alice->Describe() << Context();
  const auto servers = joined->getArray("iceServers");
  ASSERT_TRUE(servers && servers->size() == 1) << Stringify(*joined);
  const auto server = servers->getObject(0);
  ASSERT_TRUE(server && server->getArray("urls")) << Stringify(*joined);
  EXPECT_EQ(server->getArray("urls")->getElement<std::string>(0), "turn:127.0.0.1:" + std::to_string(turn_->Port()))
      << Stringify(*joined);
  EXPECT_EQ(server->optValue<std::string>("username", ""), turn_->GetOptions().user) << Stringify(*joined);
  EXPECT_EQ(server->optValue<std::string>("credential", ""), turn_->GetOptions().password) << Stringify(*joined);

  alice->Negotiate();
  ASSERT_TRUE(alice->Media()->WaitConnected(30s)) << alice->Describe(true) << TurnContext();
  ASSERT_TRUE(AllConnect({bob.get()}, room, 30s)) << bob->Describe(true) << TurnContext();
  EXPECT_TRUE(Hears(*alice, 660)) << alice->Describe(true) << TurnContext();
  EXPECT_TRUE(Hears(*bob, 440)) << bob->Describe(true) << TurnContext();

  // The server saw relay candidates only, and its selected pair ends at one.
  for (RoomParticipant* p : {alice.get(), bob.get()}) {
    const HttpResult got = Server().Get("/api/v1/rooms/" + room + "/participants/" + p->Id());
    ASSERT_EQ(got.status, 200) << got.Describe();
    std::cout << p->Name() << ": " << got.body << "\n";
    const auto pairs = Steps(got, "selected-pair");
    ASSERT_FALSE(pairs.empty()) << got.Describe();
    EXPECT_EQ(pairs.back()->optValue<std::string>("remoteType", ""), "relay") << got.Describe();
    EXPECT_EQ(pairs.back()->optValue<std::string>("protocol", ""), "udp") << got.Describe();
    bool relayCandidate = false;
    for (const auto& entry : Steps(got, "remote-candidate")) {
      if (!entry->has("type")) continue;  // end of candidates
      EXPECT_EQ(entry->optValue<std::string>("type", ""), "relay") << got.Describe();
      relayCandidate = relayCandidate || entry->optValue<std::string>("type", "") == "relay";
    }
    EXPECT_TRUE(relayCandidate) << got.Describe();
  }

  // coturn's own word: sessions of the user that allocated a relay, were
  // allowed to send to a peer and bound a channel to it, which libnice does
  // to send data through the relay. (coturn logs the bytes a session
  // relayed only when it ends, and webrtcbin leaves its allocations to
  // expire, ten minutes on.)
  const std::string log = turn_->Log();
  std::set<std::string> allocated, permitted, bound;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    // "0: : session 001000000000000002: realm <plenum.test> user <plenum>: incoming packet CHANNEL_BIND processed, success"
    const auto at = line.find("session ");
    if (at == std::string::npos || line.find("user <" + turn_->GetOptions().user + ">") == std::string::npos) continue;
    const std::string session = line.substr(at + 8, line.find(':', at) - at - 8);
    if (line.find("ALLOCATE processed, success") != std::string::npos) allocated.insert(session);
    if (line.find("CREATE_PERMISSION processed, success") != std::string::npos) permitted.insert(session);
    if (line.find("CHANNEL_BIND processed, success") != std::string::npos) bound.insert(session);
  }
  std::cout << "coturn sessions: " << allocated.size() << " allocated, " << permitted.size() << " with permissions, "
            << bound.size() << " with channels\n";
  // Each client allocates over UDP and TCP (webrtcbin asks for both and
  // keeps the one it uses), the server one per participant; the clients'
  // carry the call.
  EXPECT_GE(allocated.size(), 2u) << TurnContext();
  EXPECT_GE(permitted.size(), 2u) << TurnContext();
  EXPECT_GE(bound.size(), 2u) << TurnContext();
}

TEST_F(TurnRelayTest, RelayOnlyWithAWrongPasswordNeverConnectsAndTheTimelineSaysWhere) {
  const std::string room = UniqueRoom("relay-refused");
  MediaClientOptions options = ParticipantOptions("mallory", 440, 0xFFFF0000);
  options.relayOnly = true;
  options.turnServers = {turn_->UrlWithPassword("not-the-password")};
  auto mallory = Participant(options);
  const auto joined = mallory->Join(room, 10s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << mallory->Describe() << Context();
  mallory->Negotiate();

  // coturn refuses the credentials, the client gives up on its relay and
  // ends gathering with nothing to offer: nothing can connect.
  EXPECT_TRUE(turn_->WaitForLog(
      [](const std::string& log) { return log.find("401") != std::string::npos; }, 10s))
      << "coturn did not refuse the credentials" << TurnContext();
  ASSERT_TRUE(mallory->Media()->WaitStatus(
      [](const MediaClient::Status& s) { return s.gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE; }, 20s))
      << mallory->Describe() << TurnContext();
  EXPECT_EQ(mallory->Media()->GetStatus().localCandidates, 0u) << mallory->Describe();
  EXPECT_FALSE(mallory->Media()->WaitConnected(500ms)) << mallory->Describe();

  const HttpResult got = Server().Get("/api/v1/rooms/" + room + "/participants/" + mallory->Id());
  ASSERT_EQ(got.status, 200) << got.Describe();
  std::cout << got.body << "\n";
  const auto json = got.Json();
  ASSERT_TRUE(json) << got.Describe();
  EXPECT_NE(json->optValue<std::string>("state", ""), "connected") << got.Describe();
  // It stopped after the answer: no candidate of the client's, no pair.
  EXPECT_FALSE(Steps(got, "answer").empty()) << got.Describe();
  EXPECT_TRUE(Steps(got, "selected-pair").empty()) << got.Describe();
  EXPECT_TRUE(Steps(got, "first-media-in").empty()) << got.Describe();
  for (const auto& entry : Steps(got, "remote-candidate"))
    EXPECT_FALSE(entry->has("type")) << "a candidate from a client that had none: " << got.Describe();
}

// A server behind a 1:1 NAT, with a port range, STUN and TURN for clients.
class NatOptionsTest : public TurnRelayTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--turn-servers=" + turn_->Url(),
            "--stun-server=stun://127.0.0.1:" + std::to_string(turn_->Port()),
            std::string("--public-ip=") + kPublicIp,
            "--ice-port-min=" + std::to_string(kIcePortMin),
            "--ice-port-max=" + std::to_string(kIcePortMax)};
  }
};

TEST_F(NatOptionsTest, JoinedHandsOutStunAndTurnAsRtcIceServers) {
  auto ws = Connect();
  ws->Send(JoinMessage(UniqueRoom("nat-joined"), "probe"));
  const auto joined = ws->WaitFor("joined", 5s);
  ASSERT_TRUE(joined) << HistoryOf(*ws) << Context();
  std::cout << Stringify(*joined) << "\n";
  const auto servers = joined->getArray("iceServers");
  ASSERT_TRUE(servers && servers->size() == 2) << Stringify(*joined);
  const std::string port = std::to_string(turn_->Port());
  const auto stun = servers->getObject(0);
  const auto turn = servers->getObject(1);
  ASSERT_TRUE(stun && turn && stun->getArray("urls") && turn->getArray("urls")) << Stringify(*joined);
  EXPECT_EQ(stun->getArray("urls")->size(), 1u) << Stringify(*joined);
  EXPECT_EQ(stun->getArray("urls")->getElement<std::string>(0), "stun:127.0.0.1:" + port) << Stringify(*joined);
  EXPECT_FALSE(stun->has("username") || stun->has("credential")) << Stringify(*joined);
  EXPECT_EQ(turn->getArray("urls")->getElement<std::string>(0), "turn:127.0.0.1:" + port) << Stringify(*joined);
  EXPECT_EQ(turn->optValue<std::string>("username", ""), turn_->GetOptions().user) << Stringify(*joined);
  EXPECT_EQ(turn->optValue<std::string>("credential", ""), turn_->GetOptions().password) << Stringify(*joined);
}

TEST_F(NatOptionsTest, CandidatesCarryThePublicIpAndStayInThePortRange) {
  auto ws = Connect();
  // Host candidates over UDP and passive TCP, each with its public twin, and
  // the server's own relay through coturn.
  const auto candidates = ServerCandidates(
      *ws,
      [](const std::vector<Candidate>& all) {
        bool udpPublic = false, tcpPublic = false, relay = false;
        for (const auto& c : all) {
          udpPublic = udpPublic || (c.address == kPublicIp && c.protocol == "udp");
          tcpPublic = tcpPublic || (c.address == kPublicIp && c.tcpType == "passive");
          relay = relay || c.type == "relay";
        }
        return udpPublic && tcpPublic && relay;
      },
      15s);
  ASSERT_FALSE(candidates.empty()) << HistoryOf(*ws) << Context();
  std::cout << "server candidates:" << Lines(candidates) << "\n";

  std::size_t hostPorts = 0;
  bool relay = false;
  for (const Candidate& c : candidates) {
    if (c.type == "relay") {
      relay = true;
      // On coturn's relay ports, not ours.
      EXPECT_GE(c.port, turn_->GetOptions().relayPortMin) << c.line;
      EXPECT_LE(c.port, turn_->GetOptions().relayPortMax) << c.line;
      continue;
    }
    ASSERT_EQ(c.type, "host") << c.line << Lines(candidates);
    if (c.tcpType == "active") {
      EXPECT_EQ(c.port, 9u) << "an active TCP candidate listens nowhere (RFC 6544): " << c.line;
      continue;
    }
    ++hostPorts;
    EXPECT_GE(c.port, kIcePortMin) << c.line << Lines(candidates);
    EXPECT_LE(c.port, kIcePortMax) << c.line << Lines(candidates);
    EXPECT_TRUE(c.address == ServerProcess::kHost || c.address == kPublicIp) << c.line;
    // Every host candidate has its twin on the other address, same port and transport.
    const std::string twin = c.address == kPublicIp ? ServerProcess::kHost : kPublicIp;
    bool found = false;
    for (const Candidate& other : candidates)
      found = found || (other.address == twin && other.port == c.port && other.protocol == c.protocol &&
                        other.tcpType == c.tcpType);
    EXPECT_TRUE(found) << "no " << twin << " twin of " << c.line << Lines(candidates);
  }
  EXPECT_GE(hostPorts, 4u) << "UDP and passive TCP, each on both addresses:" << Lines(candidates);
  EXPECT_TRUE(relay) << "the server did not gather through its TURN server:" << Lines(candidates) << "\n"
                     << Tail(turn_->Log(), 3000);
}

TEST_F(NatOptionsTest, AClientWithoutUdpConnectsOverIceTcp) {
  const std::string room = UniqueRoom("ice-tcp");
  MediaClientOptions tcpOnly = ParticipantOptions("tcp-only", 440, 0xFFFF0000);
  tcpOnly.iceUdp = false;
  tcpOnly.iceTcp = true;
  auto alice = Participant(tcpOnly);
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 30s)) << alice->Describe(true) << Context();
  EXPECT_TRUE(Hears(*alice, 660)) << alice->Describe(true) << Context();
  EXPECT_TRUE(Hears(*bob, 440)) << bob->Describe(true) << Context();

  const HttpResult got = Server().Get("/api/v1/rooms/" + room + "/participants/" + alice->Id());
  ASSERT_EQ(got.status, 200) << got.Describe();
  std::cout << got.body << "\n";
  const auto pairs = Steps(got, "selected-pair");
  ASSERT_FALSE(pairs.empty()) << got.Describe();
  EXPECT_EQ(pairs.back()->optValue<std::string>("protocol", ""), "tcp") << got.Describe();
  // libnice names the accepted connection's end peer-reflexive (RFC 6544
  // 7.2: a passive candidate's connection has its own 5-tuple).
  const std::string local = pairs.back()->optValue<std::string>("localType", "");
  EXPECT_TRUE(local == "host" || local == "prflx") << got.Describe();
}

// ice-tcp = false: no TCP candidates at all, so a client without UDP has
// nothing to reach.
class IceTcpOffTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--ice-tcp=false"}; }
};

TEST_F(IceTcpOffTest, TheServerOffersNoTcpCandidates) {
  auto ws = Connect();
  // Host candidates come in one burst, UDP first, within a second on
  // loopback (see the test above); wait that long for any TCP one.
  const auto candidates = ServerCandidates(*ws, [](const std::vector<Candidate>&) { return false; }, 1s);
  ASSERT_FALSE(candidates.empty()) << HistoryOf(*ws) << Context();
  for (const Candidate& c : candidates) EXPECT_EQ(c.protocol, "udp") << c.line << Lines(candidates);
}

// packaging/coturn/turnserver.conf as an administrator installs it, with
// the test's ports, addresses, user and files on top. Its peer rules deny
// loopback like every private range, except the box's own address:
// allowed-peer-ip names 127.0.0.1, the box here.
class PackagedCoturnConfigTest : public TurnRelayTest {
 protected:
  TurnServer::Options TurnOptions() const override {
    TurnServer::Options options;
    options.configFile = std::string(PLENUM_SOURCE_DIR) + "/packaging/coturn/turnserver.conf";
    options.extraArgs = {"--allowed-peer-ip=127.0.0.1"};
    return options;
  }
};

TEST_F(PackagedCoturnConfigTest, RelaysACallToTheBox) {
  EXPECT_NE(turn_->Log().find("Black listing: 127.0.0.0-127.255.255.255"), std::string::npos)
      << "coturn did not read the packaged file's peer rules" << TurnContext();
  const std::string room = UniqueRoom("packaged-coturn");
  auto alice = Participant(RelayOnly("alice", 440, 0xFFFF0000));
  auto bob = Participant(RelayOnly("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 30s)) << alice->Describe(true) << TurnContext();
  EXPECT_TRUE(Hears(*alice, 660)) << alice->Describe(true) << TurnContext();
  EXPECT_TRUE(Hears(*bob, 440)) << bob->Describe(true) << TurnContext();
}

// The same file without the exception for the box: its denied-peer-ip
// ranges hold, so a relay-only client cannot reach the box.
class PackagedCoturnConfigWithoutTheBoxTest : public TurnRelayTest {
 protected:
  TurnServer::Options TurnOptions() const override {
    TurnServer::Options options;
    options.configFile = std::string(PLENUM_SOURCE_DIR) + "/packaging/coturn/turnserver.conf";
    return options;
  }
};

TEST_F(PackagedCoturnConfigWithoutTheBoxTest, RefusesToRelayToPrivateAddresses) {
  const std::string room = UniqueRoom("packaged-coturn-denied");
  auto alice = Participant(RelayOnly("alice", 440, 0xFFFF0000));
  const auto joined = alice->Join(room, 10s);
  ASSERT_TRUE(joined && joined->getValue<std::string>("type") == "joined") << alice->Describe() << Context();
  alice->Negotiate();
  EXPECT_TRUE(turn_->WaitForLog(
      [](const std::string& log) { return log.find("Forbidden IP") != std::string::npos; }, 15s))
      << "coturn did not refuse a permission for the box's loopback address" << TurnContext();
  EXPECT_FALSE(alice->Media()->WaitConnected(2s)) << alice->Describe() << TurnContext();
}

}  // namespace
}  // namespace plenum::test
