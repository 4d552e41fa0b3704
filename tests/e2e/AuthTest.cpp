// Authentication over the wire, through the real server: the API key on
// every /api/v1 route (and which routes stay open without it), room tokens
// refused for every way they can be wrong, a token's name winning over the
// join's, and no secret in the server's output at its most verbose. The
// minted-token cases of CommandLineTest.cpp (its room only, a fourth
// segment, a cut signature) are not repeated here.

#include "support/E2eExpectations.hpp"
#include "support/RoomTokens.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TemporaryDirectory.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApiKey = "api-key-4f1c9e2b7a";
constexpr const char* kTokenSecret = "token-secret-8d3a61f0c5";

struct Answer {
  int status = 0;
  std::string wwwAuthenticate;
  std::string body;
  std::string request;

  Poco::JSON::Object::Ptr Json() const {
    try {
      return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  std::string Describe() const { return request + " -> " + std::to_string(status) + " " + body; }
};

// One request with exactly the Authorization header given (none if empty),
// on a connection of its own.
Answer Send(const ServerProcess& server, const std::string& method, const std::string& path,
            const std::string& authorization, const std::string& body = {}) {
  Poco::Net::HTTPClientSession session(ServerProcess::kHost, server.Port());
  session.setTimeout(Poco::Timespan(static_cast<long>(Scaled(10s).count()) * 1000));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!authorization.empty()) request.set("Authorization", authorization);
  if (!body.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Answer answer;
  answer.status = response.getStatus();
  answer.wwwAuthenticate = response.get("WWW-Authenticate", "");
  Poco::StreamCopier::copyToString(in, answer.body);
  answer.request = method + " " + path + (authorization.empty() ? " (no Authorization)" : " (" + authorization + ")");
  return answer;
}

// 401, `WWW-Authenticate: Bearer`, and the protocol's error body with code
// `unauthorized`.
::testing::AssertionResult IsUnauthorized(const Answer& answer) {
  if (answer.status != 401) return ::testing::AssertionFailure() << "not 401: " << answer.Describe();
  if (answer.wwwAuthenticate.rfind("Bearer", 0) != 0)
    return ::testing::AssertionFailure() << "WWW-Authenticate is \"" << answer.wwwAuthenticate
                                         << "\": " << answer.Describe();
  const auto json = answer.Json();
  const auto error = json ? json->getObject("error") : nullptr;
  if (!error || error->optValue<std::string>("code", "") != "unauthorized" || !error->has("message"))
    return ::testing::AssertionFailure() << "not an {\"error\":{\"code\":\"unauthorized\",...}} body: "
                                         << answer.Describe();
  return ::testing::AssertionSuccess();
}

std::set<std::string> RoomIds(const Answer& list) {
  std::set<std::string> ids;
  const auto json = list.Json();
  const auto rooms = json ? json->getArray("rooms") : nullptr;
  for (unsigned i = 0; rooms && i < rooms->size(); ++i) ids.insert(rooms->getObject(i)->getValue<std::string>("id"));
  return ids;
}

// The names in a Room's participant list.
std::vector<std::string> ParticipantNames(const Poco::JSON::Object::Ptr& room) {
  std::vector<std::string> names;
  const auto list = room ? room->getArray("participants") : nullptr;
  for (unsigned i = 0; list && i < list->size(); ++i)
    names.push_back(list->getObject(i)->getValue<std::string>("name"));
  std::sort(names.begin(), names.end());
  return names;
}

std::string Claims(const std::string& room, long long exp) {
  return R"({"room":")" + room + R"(","exp":)" + std::to_string(exp) + "}";
}

std::string ValidToken(const std::string& room, const std::string& extraClaims = {}) {
  std::string payload = Claims(room, EpochSeconds() + 600);
  if (!extraClaims.empty()) payload.insert(payload.size() - 1, "," + extraClaims);
  return SignedJwt(Hs256Header(), payload, kTokenSecret);
}

// ---------------------------------------------------------------------------
// The API key

class ApiKeyTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {std::string("--api-key=") + kApiKey}; }
  Answer WithKey(const std::string& method, const std::string& path, const std::string& body = {}) {
    return Send(Server(), method, path, std::string("Bearer ") + kApiKey, body);
  }
};

TEST_F(ApiKeyTest, EveryApiRouteRefusesAnythingButTheKeyAndChangesNothing) {
  // A room with someone in it, and what the API says about it.
  ASSERT_EQ(WithKey("POST", "/api/v1/rooms", R"({"id":"kept"})").status, 201) << Context();
  auto member = Connect();
  member->Send(JoinMessage("kept", "member"));
  const auto joined = member->WaitFor("joined", 5s);
  ASSERT_TRUE(joined) << HistoryOf(*member) << Context();
  const std::string participant = joined->getValue<std::string>("participant");
  const Answer roomsBefore = WithKey("GET", "/api/v1/rooms");
  ASSERT_EQ(roomsBefore.status, 200) << roomsBefore.Describe();
  const Answer recordingsBefore = WithKey("GET", "/api/v1/recordings");
  ASSERT_EQ(recordingsBefore.status, 200) << recordingsBefore.Describe();

  const std::string key = kApiKey;
  const std::vector<std::string> wrongCredentials{
      "",         // no header at all
      "Bearer",   // the scheme alone
      "Bearer ",  // and an empty key
      "Bearer not-the-key",
      "Bearer " + key.substr(0, key.size() - 1),  // a prefix of the key
      "Bearer " + key.substr(0, 4),               // a short prefix
      "Bearer " + key + "x",                      // the key and one more character
      "Basic " + Base64Url("admin:" + key),       // another scheme, carrying the key
      "Token " + key,                             // another scheme, the key itself
      key,                                        // no scheme
  };
  struct Route {
    std::string method, path, body;
  };
  const std::vector<Route> routes{
      {"GET", "/api/v1/rooms", ""},
      {"POST", "/api/v1/rooms", R"({"id":"intruder"})"},
      {"GET", "/api/v1/rooms/kept", ""},
      {"DELETE", "/api/v1/rooms/kept", ""},
      {"GET", "/api/v1/rooms/kept/participants/" + participant, ""},
      {"POST", "/api/v1/rooms/kept/recordings", "{}"},
      {"DELETE", "/api/v1/rooms/kept/recordings/none", ""},
      {"POST", "/api/v1/rooms/kept/broadcasts", R"({"kind":"hls"})"},
      {"GET", "/api/v1/rooms/kept/broadcasts", ""},
      {"GET", "/api/v1/recordings", ""},
      {"GET", "/api/v1/recordings/none", ""},
      {"POST", "/api/v1/recordings/none/hold", ""},
      {"GET", "/api/v1/archive-key", ""},
      {"GET", "/api/v1/no-such-route", ""},  // refused before routing: says nothing about what exists
      {"GET", "/api/v1//rooms", ""},
  };
  for (const Route& route : routes) {
    for (const std::string& credential : wrongCredentials) {
      EXPECT_TRUE(IsUnauthorized(Send(Server(), route.method, route.path, credential, route.body))) << Context();
    }
  }

  // Nothing changed: the same rooms (no "intruder", "kept" still there with
  // its member), no recording, no broadcast, and the member told nothing.
  const Answer roomsAfter = WithKey("GET", "/api/v1/rooms");
  EXPECT_EQ(RoomIds(roomsAfter), RoomIds(roomsBefore)) << roomsAfter.Describe();
  EXPECT_EQ(RoomIds(roomsAfter), std::set<std::string>{"kept"}) << roomsAfter.Describe();
  const Answer kept = WithKey("GET", "/api/v1/rooms/kept");
  ASSERT_EQ(kept.status, 200) << kept.Describe();
  EXPECT_EQ(ParticipantNames(kept.Json()), std::vector<std::string>{"member"}) << kept.Describe();
  EXPECT_TRUE(kept.Json()->isNull("recording")) << kept.Describe();
  EXPECT_EQ(kept.Json()->getArray("broadcasts")->size(), 0u) << kept.Describe();
  const Answer recordingsAfter = WithKey("GET", "/api/v1/recordings");
  EXPECT_EQ(recordingsAfter.body, recordingsBefore.body);
  EXPECT_TRUE(member->IsOpen());
  // The member's queue holds nothing the refused requests could have
  // caused; a roster event of its own proves the queue is current.
  auto witness = Connect();
  witness->Send(JoinMessage("kept", "witness"));
  ASSERT_TRUE(witness->WaitFor("joined", 5s)) << HistoryOf(*witness);
  const auto next = member->WaitForAny({"participant-joined", "error", "recording", "room-live"}, 5s);
  ASSERT_TRUE(next) << HistoryOf(*member);
  EXPECT_EQ(next->getValue<std::string>("type"), "participant-joined") << HistoryOf(*member);

  // The key itself works on every kind of route.
  EXPECT_EQ(WithKey("GET", "/api/v1/rooms").status, 200);
  const Answer created = WithKey("POST", "/api/v1/rooms", R"({"id":"made-with-key"})");
  EXPECT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(WithKey("GET", "/api/v1/rooms/kept").status, 200);
  const Answer report = WithKey("GET", "/api/v1/rooms/kept/participants/" + participant);
  EXPECT_EQ(report.status, 200) << report.Describe();
  EXPECT_EQ(WithKey("GET", "/api/v1/rooms/kept/broadcasts").status, 200);
  EXPECT_EQ(WithKey("GET", "/api/v1/recordings").status, 200);
  EXPECT_EQ(WithKey("GET", "/api/v1/archive-key").status, 200);
  EXPECT_EQ(WithKey("DELETE", "/api/v1/rooms/made-with-key").status, 204);
  const Answer deleted = WithKey("DELETE", "/api/v1/rooms/kept");
  EXPECT_EQ(deleted.status, 204) << deleted.Describe();
  EXPECT_TRUE(ReceivesError(*member, "room-closed", 5s));
}

// What needs no key: health and metrics (for systemd, load balancers and
// Prometheus, which hold no API key), the page and its files, the watch
// page and HLS (viewers hold no key either), and /ws (rooms have tokens).
TEST_F(ApiKeyTest, OperationalAndViewerRoutesStayOpen) {
  const Answer health = Send(Server(), "GET", "/healthz", "");
  EXPECT_EQ(health.status, 200) << health.Describe();
  const Answer metrics = Send(Server(), "GET", "/metrics", "");
  EXPECT_EQ(metrics.status, 200) << metrics.Describe();
  EXPECT_NE(metrics.body.find("plenum_rooms"), std::string::npos) << metrics.Describe();
  const Answer page = Send(Server(), "GET", "/", "");
  EXPECT_EQ(page.status, 200) << page.request << " -> " << page.status;
  const Answer watch = Send(Server(), "GET", "/watch/some-room", "");
  EXPECT_EQ(watch.status, 200) << watch.request << " -> " << watch.status;
  const Answer hls = Send(Server(), "GET", "/hls/some-room/index.m3u8", "");
  EXPECT_EQ(hls.status, 404) << "no broadcast: 404, not 401: " << hls.Describe();
  auto ws = Connect();
  ws->Send(JoinMessage("open-room", "guest"));
  EXPECT_TRUE(ws->WaitFor("joined", 5s)) << HistoryOf(*ws);
  // A path that only looks like the API is not the API.
  const Answer lookalike = Send(Server(), "GET", "//api/v1/rooms", "");
  EXPECT_TRUE(lookalike.status == 404 || IsUnauthorized(lookalike)) << lookalike.Describe();
}

// ---------------------------------------------------------------------------
// Room tokens

class TokenTest : public ServerTest {
 protected:
  // The refused sockets wait unjoined while the other cases run.
  std::vector<std::string> ServerArgs() const override {
    return {std::string("--token-secret=") + kTokenSecret, "--join-timeout-seconds=300"};
  }

  // Sends a join and waits for its answer.
  static std::optional<WsClient::Message> Join(WsClient& ws, const std::string& room, const std::string& name,
                                               const std::optional<std::string>& token) {
    WsClient::Message join = JoinMessage(room, name);
    if (token) join.set("token", *token);
    ws.Send(join);
    return ws.WaitForAny({"joined", "error"}, 5s);
  }
};

TEST_F(TokenTest, EveryWrongTokenIsRefusedAndChangesNothing) {
  const std::string room = "guarded";
  auto observer = Connect();
  const auto observed = Join(*observer, room, "observer", ValidToken(room));
  ASSERT_TRUE(observed && observed->getValue<std::string>("type") == "joined") << HistoryOf(*observer) << Context();

  const long long now = EpochSeconds();
  const std::string h = Hs256Header();
  // Each case makes a token for the room it is given.
  struct Case {
    std::string what;
    std::function<std::optional<std::string>(const std::string& room)> token;
  };
  const std::vector<Case> cases{
      {"no token", [](const std::string&) { return std::nullopt; }},
      {"an empty token", [](const std::string&) { return std::string(); }},
      {"expired", [&](const std::string& r) { return SignedJwt(h, Claims(r, now - 60), kTokenSecret); }},
      {"expired this second", [&](const std::string& r) { return SignedJwt(h, Claims(r, now - 1), kTokenSecret); }},
      {"not yet valid (nbf in the future)",
       [&](const std::string& r) {
         return SignedJwt(h,
                          R"({"room":")" + r + R"(","exp":)" + std::to_string(now + 600) + R"(,"nbf":)" +
                              std::to_string(now + 300) + "}",
                          kTokenSecret);
       }},
      {"signed with another secret",
       [&](const std::string& r) { return SignedJwt(h, Claims(r, now + 600), "another-secret"); }},
      {"signed with the secret and one more character",
       [&](const std::string& r) { return SignedJwt(h, Claims(r, now + 600), std::string(kTokenSecret) + "x"); }},
      {"for another room",
       [&](const std::string&) { return SignedJwt(h, Claims("elsewhere", now + 600), kTokenSecret); }},
      {"alg none, no signature",
       [&](const std::string& r) {
         return Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + Base64Url(Claims(r, now + 600)) + ".";
       }},
      {"alg none, with a signature made with the secret",
       [&](const std::string& r) {
         return SignedJwt(R"({"alg":"none","typ":"JWT"})", Claims(r, now + 600), kTokenSecret);
       }},
      {"alg none, two segments",
       [&](const std::string& r) {
         return Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + Base64Url(Claims(r, now + 600));
       }},
      {"alg HS512, signed HS512 with the secret",
       [&](const std::string& r) {
         return SignedJwt(R"({"alg":"HS512","typ":"JWT"})", Claims(r, now + 600), kTokenSecret, Hmac::kSha512);
       }},
      {"alg RS256 over an HMAC with the secret",
       [&](const std::string& r) {
         return SignedJwt(R"({"alg":"RS256","typ":"JWT"})", Claims(r, now + 600), kTokenSecret);
       }},
      {"alg hs256 in lower case",
       [&](const std::string& r) {
         return SignedJwt(R"({"alg":"hs256","typ":"JWT"})", Claims(r, now + 600), kTokenSecret);
       }},
      {"no alg",
       [&](const std::string& r) { return SignedJwt(R"({"typ":"JWT"})", Claims(r, now + 600), kTokenSecret); }},
      {"no exp", [&](const std::string& r) { return SignedJwt(h, R"({"room":")" + r + R"("})", kTokenSecret); }},
      {"exp a string",
       [&](const std::string& r) {
         return SignedJwt(h, R"({"room":")" + r + R"(","exp":")" + std::to_string(now + 600) + R"("})", kTokenSecret);
       }},
      {"exp null",
       [&](const std::string& r) { return SignedJwt(h, R"({"room":")" + r + R"(","exp":null})", kTokenSecret); }},
      {"no room",
       [&](const std::string&) { return SignedJwt(h, R"({"exp":)" + std::to_string(now + 600) + "}", kTokenSecret); }},
      {"payload not JSON", [&](const std::string&) { return SignedJwt(h, "room=guarded", kTokenSecret); }},
      {"a valid token's signature on other claims",
       [&](const std::string& r) {
         const std::string valid = ValidToken(r);
         return Base64Url(h) + "." + Base64Url(Claims(r, now + 86400 * 365)) + "." + SignatureOf(valid);
       }},
  };

  std::vector<std::unique_ptr<WsClient>> refused;
  int fresh = 0;
  for (const Case& c : cases) {
    auto ws = Connect();
    // Into the room someone is in...
    const auto intoGuarded = Join(*ws, room, "intruder", c.token(room));
    ASSERT_TRUE(intoGuarded) << c.what << ": no answer; " << HistoryOf(*ws) << Context();
    EXPECT_EQ(intoGuarded->getValue<std::string>("type"), "error") << c.what << ": " << Stringify(*intoGuarded);
    EXPECT_EQ(intoGuarded->optValue<std::string>("code", ""), "unauthorized")
        << c.what << ": " << Stringify(*intoGuarded);
    // ...and, on the same socket, into a room that does not exist yet.
    const std::string freshRoom = "fresh-" + std::to_string(fresh++);
    const auto intoFresh = Join(*ws, freshRoom, "intruder", c.token(freshRoom));
    ASSERT_TRUE(intoFresh) << c.what << ": no answer; " << HistoryOf(*ws) << Context();
    EXPECT_EQ(intoFresh->optValue<std::string>("code", ""), "unauthorized") << c.what << ": " << Stringify(*intoFresh);
    EXPECT_TRUE(ws->IsOpen()) << c.what;
    const Answer rooms = Send(Server(), "GET", "/api/v1/rooms", "");
    EXPECT_EQ(RoomIds(rooms), std::set<std::string>{room}) << c.what << ": " << rooms.Describe();
    refused.push_back(std::move(ws));
  }

  // Nobody joined: the roster is the observer alone, who heard of no one,
  // until a valid token joins (its participant-joined is the first).
  const Answer guarded = Send(Server(), "GET", "/api/v1/rooms/" + room, "");
  EXPECT_EQ(ParticipantNames(guarded.Json()), std::vector<std::string>{"observer"}) << guarded.Describe();
  auto valid = Connect();
  const auto admitted = Join(*valid, room, "admitted", ValidToken(room));
  ASSERT_TRUE(admitted && admitted->getValue<std::string>("type") == "joined") << HistoryOf(*valid) << Context();
  const auto heard = observer->WaitFor("participant-joined", 5s);
  ASSERT_TRUE(heard) << HistoryOf(*observer);
  EXPECT_EQ(heard->getObject("participant")->getValue<std::string>("name"), "admitted") << Stringify(*heard);
  EXPECT_EQ(observer->History(), (std::vector<std::string>{"joined", "participant-joined"}));

  // Every refused socket is as it was, unjoined: a valid token joins it
  // (each to a room of its own, "guarded" holding max-participants).
  for (std::size_t i = 0; i < refused.size(); ++i) {
    const std::string late = "late-" + std::to_string(i);
    const auto reply = Join(*refused[i], late, "late", ValidToken(late));
    ASSERT_TRUE(reply) << cases[i].what << ": " << HistoryOf(*refused[i]);
    EXPECT_EQ(reply->getValue<std::string>("type"), "joined") << cases[i].what << ": " << Stringify(*reply);
  }
}

// The token's `name` claim is the participant's name everywhere the
// roster shows it; without one, the join's name stands.
TEST_F(TokenTest, TheTokensNameWinsOverTheJoinsName) {
  const std::string room = "named";
  auto chair = Connect();
  const auto chairJoined = Join(*chair, room, "typed-by-chair", ValidToken(room, "\"name\":\"Chair (from token)\""));
  ASSERT_TRUE(chairJoined && chairJoined->getValue<std::string>("type") == "joined") << HistoryOf(*chair) << Context();

  auto guest = Connect();
  const auto guestJoined = Join(*guest, room, "typed-by-guest", ValidToken(room, "\"name\":\"Guest (from token)\""));
  ASSERT_TRUE(guestJoined && guestJoined->getValue<std::string>("type") == "joined") << HistoryOf(*guest);
  const auto others = guestJoined->getArray("participants");
  ASSERT_TRUE(others && others->size() == 1) << Stringify(*guestJoined);
  EXPECT_EQ(others->getObject(0)->getValue<std::string>("name"), "Chair (from token)") << Stringify(*guestJoined);
  const auto arrived = chair->WaitFor("participant-joined", 5s);
  ASSERT_TRUE(arrived) << HistoryOf(*chair);
  EXPECT_EQ(arrived->getObject("participant")->getValue<std::string>("name"), "Guest (from token)")
      << Stringify(*arrived);

  auto plain = Connect();
  const auto plainJoined = Join(*plain, room, "typed-by-plain", ValidToken(room));
  ASSERT_TRUE(plainJoined && plainJoined->getValue<std::string>("type") == "joined") << HistoryOf(*plain);

  const Answer listed = Send(Server(), "GET", "/api/v1/rooms/" + room, "");
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_EQ(ParticipantNames(listed.Json()),
            (std::vector<std::string>{"Chair (from token)", "Guest (from token)", "typed-by-plain"}))
      << listed.Describe();
}

// ---------------------------------------------------------------------------
// Secrets in the output

// A UDP port nothing listens on (bound, then let go), for a TURN server
// that is never there.
std::uint16_t ClosedUdpPort() {
  Poco::Net::DatagramSocket socket(Poco::Net::SocketAddress(ServerProcess::kHost, 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  return port;
}

constexpr const char* kTurnPassword = "turn-password-27b9e4";
constexpr const char* kStreamKey = "stream-key-5c0d8a";

// The server at plenum-*:7 (and GStreamer's warnings), its stderr kept
// whole in a file (the child's own buffer keeps only the last MiB).
class SecretsInOutputTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {std::string("--api-key=") + kApiKey, std::string("--token-secret=") + kTokenSecret,
            "--turn-servers=turn://user:" + std::string(kTurnPassword) + "@127.0.0.1:" + std::to_string(turnPort_)};
  }
  std::vector<std::string> ServerWrapper() const override {
    return {"/usr/bin/env",
            "GST_DEBUG=*:2,plenum-*:7",
            "GST_DEBUG_NO_COLOR=1",
            "/bin/sh",
            "-c",
            "exec \"$0\" \"$@\" 2>>\"" + StderrPath() + "\""};
  }
  std::string StderrPath() const { return logDir_.Path() + "/stderr.log"; }

  TemporaryDirectory logDir_{"plenum-auth-log"};
  std::uint16_t turnPort_ = ClosedUdpPort();
};

TEST_F(SecretsInOutputTest, NoSecretAppearsAtTheMostVerboseLevel) {
  std::vector<std::string> tokensSent;
  const std::string key = kApiKey;
  // REST: right and wrong keys, a body carrying a stream key.
  EXPECT_EQ(Send(Server(), "GET", "/api/v1/rooms", "Bearer " + key).status, 200);
  EXPECT_EQ(Send(Server(), "POST", "/api/v1/rooms", "Bearer " + key, R"({"id":"logged"})").status, 201);
  for (const std::string& wrong : {"Bearer " + key.substr(0, key.size() - 1), "Bearer " + key + "x",
                                   "Basic " + Base64Url("admin:" + key), key, std::string()}) {
    EXPECT_TRUE(IsUnauthorized(Send(Server(), "GET", "/api/v1/rooms", wrong)));
  }
  const std::string rtmp = std::string(R"({"kind":"rtmp","url":"rtmp://127.0.0.1:1/live/)") + kStreamKey + "\"}";
  EXPECT_TRUE(IsUnauthorized(Send(Server(), "POST", "/api/v1/rooms/logged/broadcasts", "Bearer wrong", rtmp)));
  const Answer broadcast = Send(Server(), "POST", "/api/v1/rooms/logged/broadcasts", "Bearer " + key, rtmp);
  EXPECT_NE(broadcast.status, 201) << "nobody is in the room: " << broadcast.Describe();
  EXPECT_EQ(broadcast.body.find(kStreamKey), std::string::npos) << broadcast.Describe();

  // Joins: valid tokens (the TURN credentials go to the client, as they
  // must) and invalid ones.
  auto joinWith = [&](const std::string& room, const std::string& token) {
    tokensSent.push_back(token);
    auto ws = Connect();
    WsClient::Message join = JoinMessage(room, "someone");
    join.set("token", token);
    ws->Send(join);
    auto reply = ws->WaitForAny({"joined", "error"}, 5s);
    return reply ? reply->getValue<std::string>("type") + ":" + reply->optValue<std::string>("code", "") : "none";
  };
  const long long now = EpochSeconds();
  EXPECT_EQ(joinWith("logged", ValidToken("logged", R"("name":"Logged")")), "joined:");
  EXPECT_EQ(joinWith("logged", ValidToken("logged")), "joined:");
  EXPECT_EQ(joinWith("logged", SignedJwt(Hs256Header(), Claims("logged", now - 60), kTokenSecret)),
            "error:unauthorized");
  EXPECT_EQ(joinWith("logged", SignedJwt(Hs256Header(), Claims("logged", now + 600), "wrong")), "error:unauthorized");
  EXPECT_EQ(joinWith("logged", ValidToken("other")), "error:unauthorized");
  EXPECT_EQ(joinWith("logged", SignedJwt(R"({"alg":"none"})", Claims("logged", now + 600), kTokenSecret)),
            "error:unauthorized");
  const std::string valid = ValidToken("logged");
  EXPECT_EQ(joinWith("logged", valid.substr(0, valid.size() - 3) + "AAA"), "error:unauthorized");

  // Stopped, so that everything it had to say is said.
  ExpectCleanExit(Server().Stop(), Context());
  std::ifstream file(StderrPath());
  const std::string stderrText((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string output = Server().OutputTail(1 << 20) + stderrText;  // stdout (banner) and stderr
  ASSERT_NE(output.find("listening on"), std::string::npos) << "the banner is not in the output";
  ASSERT_NE(stderrText.find("plenum-mcu"), std::string::npos)
      << "no plenum-* debug output: " << stderrText.substr(0, 2000);

  std::vector<std::pair<std::string, std::string>> secrets{
      {"the API key", kApiKey},
      {"the token secret", kTokenSecret},
      {"the TURN password", kTurnPassword},
      {"the RTMP stream key", kStreamKey},
  };
  for (const std::string& token : tokensSent) {
    secrets.emplace_back("a token sent", token);
    secrets.emplace_back("a token's signature", SignatureOf(token));
  }
  for (const auto& [what, secret] : secrets) {
    const std::size_t at = output.find(secret);
    EXPECT_EQ(at, std::string::npos) << what << " (" << secret << ") is in the output: ..."
                                     << output.substr(at == std::string::npos ? 0 : (at > 200 ? at - 200 : 0), 400);
  }

  // Each refusal is one line an administrator can grep (mcu/SessionLog.hpp's
  // shape): what, from where, why.
  std::istringstream lines(stderrText);
  int apiRefusals = 0, joinRefusals = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("failure step=api reason=unauthorized address=127.0.0.1 method=") != std::string::npos &&
        line.find(" message=") != std::string::npos)
      ++apiRefusals;
    if (line.find("failure room=logged step=join reason=unauthorized address=127.0.0.1") != std::string::npos &&
        line.find(" message=") != std::string::npos)
      ++joinRefusals;
  }
  EXPECT_EQ(apiRefusals, 6) << stderrText.substr(0, 4000);
  EXPECT_EQ(joinRefusals, 5) << stderrText.substr(0, 4000);
  server_.reset();  // stopped already; TearDown has nothing left to stop
}

}  // namespace
}  // namespace plenum::test
