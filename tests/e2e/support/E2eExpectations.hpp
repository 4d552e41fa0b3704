#pragma once

// Checks shared by the e2e tests, as gtest assertion results whose failure
// messages carry what the client saw and what the server printed.

#include "testclient/RoomParticipant.hpp"
#include "testclient/ServerProcess.hpp"
#include "testclient/WsClient.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plenum::test {

// A room id no other test uses: prefix + counter.
std::string UniqueRoom(const std::string& prefix);
// What `ws` received so far, by type ("[joined, error(internal: …)]"), and
// whether its socket is open: for assertion messages.
std::string HistoryOf(const WsClient& ws);
// A message as JSON text, for assertion messages.
std::string Stringify(const WsClient::Message& message);

WsClient::Message JoinMessage(const std::string& room, const std::string& name);

// One media format of a hand-written offer: payload type, rtpmap, and any
// further a= lines for it ("rtcp-fb:96 nack pli").
struct OfferedFormat {
  int payloadType;
  std::string rtpmap;
  std::vector<std::string> attributes;
};

// A syntactically valid WebRTC offer, one audio and one video section
// bundled, from a peer that will never be reached: made-up ICE credentials
// and fingerprint, and no candidates.
std::string UnreachableOffer(const OfferedFormat& audio, const OfferedFormat& video);
// The usual one: Opus and VP8, as a browser offers them.
std::string UnreachableOpusVp8Offer();

// Trickles one candidate line for the first section ("" ends candidates).
void SendCandidate(WsClient& ws, const std::string& candidate);

// One candidate of each kind a browser may trickle: an address, an mDNS
// name (browsers hide their addresses that way), another domain name, TCP.
const std::vector<std::string>& EveryKindOfCandidate();

// Options for a participant sending `toneHz` and `colourArgb`.
MediaClientOptions ParticipantOptions(const std::string& name, double toneHz, std::uint32_t colourArgb,
                                      VideoCodec codec = VideoCodec::kVp8);

// The next "error" on `ws` has `code`. Messages of other types stay queued.
::testing::AssertionResult ReceivesError(WsClient& ws, const std::string& code, std::chrono::milliseconds timeout);

// The server still talks to an unjoined socket: a join on it succeeds.
::testing::AssertionResult StillServesUnjoined(WsClient& ws, std::chrono::milliseconds timeout);

// Joins and connects every participant to `room`, in order.
::testing::AssertionResult AllConnect(const std::vector<RoomParticipant*>& participants, const std::string& room,
                                      std::chrono::milliseconds timeoutEach);

// GET /healthz answers 200.
::testing::AssertionResult Healthy(const ServerProcess& server);

// Two fresh media clients in a fresh room connect and each hears the other's
// tone: the server as a whole still works.
::testing::AssertionResult MediaRoomWorks(const ServerProcess& server, std::chrono::milliseconds timeout);

// Message text for a failed expectation: the server's output tail.
std::string ServerContext(const ServerProcess& server);

}  // namespace plenum::test
