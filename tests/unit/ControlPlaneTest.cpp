// Validation, configuration, tokens, REST bodies and static paths: the
// control plane's pure parts.
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>
#include <gtest/gtest.h>

#include <functional>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include "mcu/ErrorCode.hpp"
#include "mcu/ServerConfig.hpp"
#include "mcu/TokenVerifier.hpp"
#include "mcu/Validation.hpp"
#include "mixer/IceCandidate.hpp"
#include "signaling/RestCodec.hpp"
#include "signaling/StaticFiles.hpp"

namespace plenum {
namespace {

using mcu::ErrorCode;
using mcu::ProtocolError;

template <typename F>
ErrorCode CodeOf(F&& f) {
  try {
    f();
  } catch (const ProtocolError& error) {
    return error.code();
  }
  return ErrorCode::Internal;
}

TEST(Validation, RoomIds) {
  EXPECT_NO_THROW(mcu::ValidateRoomId("Room_1-a"));
  EXPECT_NO_THROW(mcu::ValidateRoomId(std::string(64, 'x')));
  for (const std::string& bad :
       {std::string(""), std::string(65, 'x'), std::string("bad room!"), std::string("a/b"), std::string("é")}) {
    EXPECT_EQ(CodeOf([&] { mcu::ValidateRoomId(bad); }), ErrorCode::BadRequest) << bad;
  }
}

TEST(Validation, NamesCountCharactersNotBytes) {
  EXPECT_NO_THROW(mcu::ValidateName("Zoë"));
  std::string sixtyFourAccents;
  for (int i = 0; i < 64; ++i) sixtyFourAccents += "é";
  EXPECT_NO_THROW(mcu::ValidateName(sixtyFourAccents));
  EXPECT_EQ(CodeOf([&] { mcu::ValidateName(sixtyFourAccents + "e"); }), ErrorCode::BadRequest);
  EXPECT_EQ(CodeOf([] { mcu::ValidateName(""); }), ErrorCode::BadRequest);
  EXPECT_EQ(CodeOf([] { mcu::ValidateName("\xff\xfe"); }), ErrorCode::BadRequest);
  EXPECT_EQ(CodeOf([] { mcu::ValidateName("a\nb"); }), ErrorCode::BadRequest);
}

TEST(Config, DefaultsAndOverrides) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> map(new Poco::Util::MapConfiguration);
  mcu::ServerConfig defaults = mcu::ServerConfig::From(*map, "/web");
  EXPECT_EQ(defaults.port, 8080);
  EXPECT_EQ(defaults.bind, "0.0.0.0");
  EXPECT_EQ(defaults.maxParticipants, 16);
  EXPECT_EQ(defaults.webRoot, "/web");
  EXPECT_EQ(defaults.media.jitterLatencyMs, 50u);
  map->setString("port", "9000");
  map->setString("stun-server", "stun://stun.example.org:3478");
  map->setString("turn-servers", "turn://u:p@turn.example.org:3478");
  map->setString("ice-local-address", "127.0.0.1, 10.0.0.1");
  mcu::ServerConfig config = mcu::ServerConfig::From(*map, "/web");
  EXPECT_EQ(config.port, 9000);
  EXPECT_EQ(config.media.ice.localAddresses, (std::vector<std::string>{"127.0.0.1", "10.0.0.1"}));
  ASSERT_EQ(config.clientIceServers.size(), 2u);
  EXPECT_EQ(config.clientIceServers[0].url, "stun:stun.example.org:3478");
  EXPECT_EQ(config.clientIceServers[1].url, "turn:turn.example.org:3478");
  EXPECT_EQ(config.clientIceServers[1].username, "u");
  EXPECT_EQ(config.clientIceServers[1].credential, "p");
}

// What joined.iceServers carries: RFC 7064/7065 URLs with their default
// ports, the TURN transport kept; and ICE-TCP on unless turned off.
TEST(Config, IceServersForClientsAndIceTcp) {
  EXPECT_EQ(mcu::ToClientIceServer("stun://stun.example.org").url, "stun:stun.example.org:3478");
  EXPECT_EQ(mcu::ToClientIceServer("turns://u:p@turn.example.org").url, "turns:turn.example.org:5349");
  const mcu::IceServer tcp = mcu::ToClientIceServer("turn://user:pa55@192.0.2.7:3479?transport=tcp");
  EXPECT_EQ(tcp.url, "turn:192.0.2.7:3479?transport=tcp");
  EXPECT_EQ(tcp.username, "user");
  EXPECT_EQ(tcp.credential, "pa55");
  EXPECT_EQ(mcu::ToClientIceServer("turn://u:p@[2001:db8::1]:3478").url, "turn:[2001:db8::1]:3478");

  Poco::AutoPtr<Poco::Util::MapConfiguration> map(new Poco::Util::MapConfiguration);
  EXPECT_TRUE(mcu::ServerConfig::From(*map, "/web").media.ice.tcp);
  map->setString("ice-tcp", "false");
  EXPECT_FALSE(mcu::ServerConfig::From(*map, "/web").media.ice.tcp);
}

TEST(Config, RejectsUnusableValues) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"port", "70000"}, {"max-participants", "0"}, {"ice-port-min", "5000"}, {"stun-server", "http://x"}}) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> map(new Poco::Util::MapConfiguration);
    map->setString(key, value);
    EXPECT_THROW(mcu::ServerConfig::From(*map, "/web"), std::exception) << key << "=" << value;
  }
}

TEST(Tokens, RoundTripAndRejections) {
  mcu::TokenVerifier verifier("s3cret");
  const std::string token = verifier.Issue("r1", std::string("Boss"), std::chrono::seconds(60));
  EXPECT_EQ(verifier.Verify(token, "r1").value_or(""), "Boss");
  EXPECT_EQ(CodeOf([&] { verifier.Verify(token, "r2"); }), ErrorCode::Unauthorized);
  EXPECT_EQ(CodeOf([&] { verifier.Verify(std::nullopt, "r1"); }), ErrorCode::Unauthorized);
  EXPECT_EQ(CodeOf([&] { verifier.Verify(std::string("garbage"), "r1"); }), ErrorCode::Unauthorized);
  EXPECT_EQ(CodeOf([&] { mcu::TokenVerifier("other").Verify(token, "r1"); }), ErrorCode::Unauthorized);
  const std::string expired = verifier.Issue("r1", std::nullopt, std::chrono::seconds(-10));
  EXPECT_EQ(CodeOf([&] { verifier.Verify(expired, "r1"); }), ErrorCode::Unauthorized);
  EXPECT_FALSE(mcu::TokenVerifier("").Verify(std::nullopt, "r1"));  // tokens off
}

// Tokens signed with the right secret whose shape or claims are still wrong.
TEST(Tokens, StrictShapeAndClaims) {
  mcu::TokenVerifier verifier("s3cret");
  const std::string good = verifier.Issue("r1", std::nullopt, std::chrono::seconds(60));
  EXPECT_FALSE(verifier.Verify(good, "r1"));
  EXPECT_EQ(CodeOf([&] { verifier.Verify(good + ".extra", "r1"); }), ErrorCode::Unauthorized);
  EXPECT_EQ(CodeOf([&] { verifier.Verify(good + ".", "r1"); }), ErrorCode::Unauthorized);

  auto signedWith = [](const std::function<void(Poco::JWT::Token&)>& fill, const std::string& algorithm =
                                                                               Poco::JWT::Signer::ALGO_HS256) {
    Poco::JWT::Token token;
    token.setType("JWT");
    fill(token);
    return Poco::JWT::Signer("s3cret").sign(token, algorithm);
  };
  const double now = static_cast<double>(Poco::Timestamp().epochTime());
  const std::string stringExp = signedWith([](Poco::JWT::Token& t) {
    t.payload().set("room", "r1");
    t.payload().set("exp", "99999999999");
  });
  EXPECT_EQ(CodeOf([&] { verifier.Verify(stringExp, "r1"); }), ErrorCode::Unauthorized);
  const std::string futureNbf = signedWith([&](Poco::JWT::Token& t) {
    t.payload().set("room", "r1");
    t.payload().set("exp", now + 600);
    t.payload().set("nbf", now + 300);
  });
  EXPECT_EQ(CodeOf([&] { verifier.Verify(futureNbf, "r1"); }), ErrorCode::Unauthorized);
  const std::string pastNbf = signedWith([&](Poco::JWT::Token& t) {
    t.payload().set("room", "r1");
    t.payload().set("exp", now + 600);
    t.payload().set("nbf", now - 10);
  });
  EXPECT_FALSE(verifier.Verify(pastNbf, "r1"));
  const std::string stringNbf = signedWith([&](Poco::JWT::Token& t) {
    t.payload().set("room", "r1");
    t.payload().set("exp", now + 600);
    t.payload().set("nbf", "0");
  });
  EXPECT_EQ(CodeOf([&] { verifier.Verify(stringNbf, "r1"); }), ErrorCode::Unauthorized);
  const std::string numberRoom = signedWith([&](Poco::JWT::Token& t) {
    t.payload().set("room", 1);
    t.payload().set("exp", now + 600);
  });
  EXPECT_EQ(CodeOf([&] { verifier.Verify(numberRoom, "1"); }), ErrorCode::Unauthorized);
  const std::string hs384 = signedWith(
      [&](Poco::JWT::Token& t) {
        t.payload().set("room", "r1");
        t.payload().set("exp", now + 600);
      },
      Poco::JWT::Signer::ALGO_HS384);
  EXPECT_EQ(CodeOf([&] { verifier.Verify(hs384, "r1"); }), ErrorCode::Unauthorized);
  // alg none: a header saying so and no signature.
  EXPECT_EQ(CodeOf([&] { verifier.Verify("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJyb29tIjoicjEiLCJleHAiOjk5OTk5OTk5OTl9.",
                                         "r1"); }),
            ErrorCode::Unauthorized);
}

TEST(RestCodec, RoomSettings) {
  const auto settings = signaling::ParseRoomSettings(R"({"id":"r1","maxParticipants":3})", 16);
  EXPECT_EQ(settings.id, "r1");
  EXPECT_EQ(settings.maxParticipants, 3);
  EXPECT_EQ(settings.layout, "grid");
  EXPECT_FALSE(signaling::ParseRoomSettings("{}", 16).id.empty());
  EXPECT_EQ(signaling::ParseRoomSettings("", 7).maxParticipants, 7);
  for (const char* bad : {"nope", "[]", R"({"id":5})", R"({"id":"bad id"})", R"({"maxParticipants":"3"})",
                          R"({"maxParticipants":0})", R"({"maxParticipants":100000})", R"({"layout":"spiral"})"}) {
    EXPECT_EQ(CodeOf([&] { signaling::ParseRoomSettings(bad, 16); }), ErrorCode::BadRequest) << bad;
  }
}

TEST(StaticFiles, StaysInsideTheRoot) {
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/"), "/srv/web/index.html");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/app.js"), "/srv/web/app.js");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/../etc/passwd"), "");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/%2e%2e/secret"), "");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/css/../app.js"), "");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/.git/config"), "");
  // A NUL names app.js to the filesystem but an .html file to the content type.
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/app.js%00.html"), "");
  EXPECT_EQ(signaling::ResolveStaticPath("/srv/web", "/app.js%0a"), "");
}

TEST(IceCandidate, ParsesWhatBrowsersAndLibniceSend) {
  struct Case {
    const char* line;
    mixer::ParsedCandidate::Address address;
    const char* type;
  };
  const Case cases[] = {
      {"candidate:1 1 UDP 2122260223 10.0.0.5 40000 typ host", mixer::ParsedCandidate::Address::Ip, "host"},
      {"1 1 udp 2122260223 10.0.0.5 40000 typ host generation 0", mixer::ParsedCandidate::Address::Ip, "host"},
      {"candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.5 rport 40000 generation 0 "
       "ufrag Xq3d network-cost 999",
       mixer::ParsedCandidate::Address::Ip, "srflx"},
      {"candidate:3 1 TCP 1518280447 fd00::2 9 typ host tcptype active", mixer::ParsedCandidate::Address::Ip, "host"},
      {"candidate:1 1 UDP 2122260223 4f9c2a5e-3b1d-4c44-9d1e-0c1a2b3c4d5e.local 40000 typ host",
       mixer::ParsedCandidate::Address::MulticastDnsName, "host"},
      {"candidate:1 1 UDP 2122260223 abc.local 40000 typ host", mixer::ParsedCandidate::Address::MulticastDnsName,
       "host"},
      {"candidate:4 1 UDP 41885439 turn.example.org 3478 typ relay raddr 0.0.0.0 rport 0",
       mixer::ParsedCandidate::Address::DomainName, "relay"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const auto parsed = mixer::ParseCandidate(c.line);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->address, c.address);
    EXPECT_EQ(parsed->type, c.type);
  }
}

TEST(IceCandidate, RefusesWhatDoesNotFollowTheGrammar) {
  for (const char* line : {
           "",
           "candidate:",
           "garbage",
           "candidate:1 1 UDP 2122260223 10.0.0.5 40000 typ",              // no type
           "candidate:1 1 UDP 2122260223 10.0.0.5 40000 type host",        // not "typ"
           "candidate:1 1 SCTP 2122260223 10.0.0.5 40000 typ host",        // transport
           "candidate:1 0 UDP 2122260223 10.0.0.5 40000 typ host",         // component 0
           "candidate:1 1 UDP 99999999999 10.0.0.5 40000 typ host",        // priority > 2^32-1
           "candidate:1 1 UDP 2122260223 10.0.0.5 70000 typ host",         // port
           "candidate:1 1 UDP 2122260223 10.0.0.5 -1 typ host",            // port
           "candidate:1 1 UDP 2122260223 10.0.0.5 40000 typ bogus",        // type
           "candidate:1 1 UDP 2122260223 not_an_address! 40000 typ host",  // address
           "candidate:1 1 UDP 2122260223 10.0.0.5 40000 typ host generation",  // unpaired extension
           "candidate:1 1 UDP 2122260223 10.0.0.5 40000 typ srflx raddr 10.0.0.1 rport x",
           "candidate:f\xff 1 UDP 2122260223 10.0.0.5 40000 typ host",    // foundation
       }) {
    EXPECT_FALSE(mixer::ParseCandidate(line)) << line;
  }
  EXPECT_FALSE(mixer::ParseCandidate("candidate:1 1 UDP 1 10.0.0.5 40000 typ host " + std::string(2000, 'x') + " y"));
}

TEST(IceCandidate, PublicAddressForHostCandidatesOnly) {
  EXPECT_EQ(
      mixer::WithPublicAddress("candidate:1 1 UDP 2015363327 10.0.0.5 50000 typ host", "203.0.113.7").value_or(""),
      "candidate:1 1 UDP 2015363327 203.0.113.7 50000 typ host");
  EXPECT_FALSE(mixer::WithPublicAddress("candidate:2 1 UDP 1 198.51.100.1 50000 typ srflx raddr 10.0.0.5 rport 1",
                                        "203.0.113.7"));
  EXPECT_FALSE(mixer::WithPublicAddress("candidate:1 1 UDP 1 10.0.0.5 50000 typ host", ""));
  EXPECT_FALSE(mixer::WithPublicAddress("garbage", "203.0.113.7"));
}

}  // namespace
}  // namespace plenum
