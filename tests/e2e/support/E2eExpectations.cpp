#include "support/E2eExpectations.hpp"

#include "testclient/Analysis.hpp"

#include <atomic>
#include <sstream>
#include <utility>

namespace plenum::test {

std::string Stringify(const WsClient::Message& message) {
  std::ostringstream text;
  message.stringify(text);
  return text.str();
}

std::string HistoryOf(const WsClient& ws) {
  std::string out;
  for (const std::string& type : ws.History()) out += (out.empty() ? "" : ", ") + type;
  return "[" + out + "]" + (ws.IsOpen() ? " (socket open)" : " (socket closed)");
}

std::string UniqueRoom(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(++counter);
}

WsClient::Message JoinMessage(const std::string& room, const std::string& name) {
  WsClient::Message join;
  join.set("type", "join");
  join.set("room", room);
  join.set("name", name);
  return join;
}

std::string UnreachableOffer(const OfferedFormat& audio, const OfferedFormat& video) {
  std::ostringstream sdp;
  sdp << "v=0\r\n"
      << "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
      << "s=-\r\n"
      << "t=0 0\r\n"
      << "a=group:BUNDLE 0 1\r\n";
  int mid = 0;
  for (const auto& [kind, format] : {std::pair{"audio", &audio}, std::pair{"video", &video}}) {
    sdp << "m=" << kind << " 9 UDP/TLS/RTP/SAVPF " << format->payloadType << "\r\n"
        << "c=IN IP4 0.0.0.0\r\n"
        << "a=ice-ufrag:Xq3d\r\n"
        << "a=ice-pwd:Ot7Bf0lUSi6GGBsUpUTFdcbs\r\n"
        << "a=ice-options:trickle\r\n"
        << "a=fingerprint:sha-256 5C:0B:92:5F:7D:4B:1A:2E:0C:6B:9D:3E:8A:61:77:20:11:3F:AD:4E:9B:C2:58:06:DE:71:34:A9:"
           "5B:E0:12:F4\r\n"
        << "a=setup:actpass\r\n"
        << "a=mid:" << mid++ << "\r\n"
        << "a=sendrecv\r\n"
        << "a=rtcp-mux\r\n"
        << "a=rtpmap:" << format->payloadType << " " << format->rtpmap << "\r\n";
    for (const std::string& attribute : format->attributes) sdp << "a=" << attribute << "\r\n";
  }
  return sdp.str();
}

std::string UnreachableOpusVp8Offer() {
  return UnreachableOffer({111, "opus/48000/2", {"fmtp:111 minptime=10;useinbandfec=1"}},
                          {96, "VP8/90000", {"rtcp-fb:96 nack pli"}});
}

void SendCandidate(WsClient& ws, const std::string& candidate) {
  WsClient::Message message;
  message.set("type", "candidate");
  message.set("candidate", candidate);
  message.set("sdpMid", "0");
  message.set("sdpMLineIndex", 0);
  ws.Send(message);
}

const std::vector<std::string>& EveryKindOfCandidate() {
  static const std::vector<std::string> kinds = {
      "candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host",         // an address
      "candidate:2 1 UDP 2122260223 abc.local 40000 typ host",     // mDNS, as browsers hide theirs
      "candidate:3 1 UDP 2122260223 host.invalid 40000 typ host",  // a domain name
      "candidate:4 1 TCP 1518280447 127.0.0.1 9 typ host tcptype active",
  };
  return kinds;
}

MediaClientOptions ParticipantOptions(const std::string& name, double toneHz, std::uint32_t colourArgb,
                                      VideoCodec codec) {
  MediaClientOptions options;
  options.name = name;
  options.toneHz = toneHz;
  options.colourArgb = colourArgb;
  options.videoCodec = codec;
  return options;
}

::testing::AssertionResult ReceivesError(WsClient& ws, const std::string& code, std::chrono::milliseconds timeout) {
  const auto error = ws.WaitFor("error", timeout);
  if (!error)
    return ::testing::AssertionFailure() << "no \"error\" (expected code " << code << ") within " << timeout.count()
                                         << " ms; received so far: " << HistoryOf(ws);
  const std::string actual = error->optValue<std::string>("code", "");
  if (actual != code)
    return ::testing::AssertionFailure() << "error code \"" << actual << "\", expected \"" << code
                                         << "\": " << Stringify(*error);
  if (!error->has("message") || !error->get("message").isString())
    return ::testing::AssertionFailure() << "error without a string \"message\": " << Stringify(*error);
  return ::testing::AssertionSuccess() << Stringify(*error);
}

::testing::AssertionResult StillServesUnjoined(WsClient& ws, std::chrono::milliseconds timeout) {
  if (!ws.IsOpen())
    return ::testing::AssertionFailure() << "the server closed the socket, close code "
                                         << ws.WaitForClose(std::chrono::milliseconds(0)).value_or(0);
  try {
    ws.Send(JoinMessage(UniqueRoom("probe"), "probe"));
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "cannot send on the socket: " << e.what();
  }
  const auto reply = ws.WaitForAny({"joined", "error"}, timeout);
  if (!reply) return ::testing::AssertionFailure() << "no reply to a valid join; received so far: " << HistoryOf(ws);
  if (reply->getValue<std::string>("type") != "joined")
    return ::testing::AssertionFailure() << "a valid join was refused: " << Stringify(*reply);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AllConnect(const std::vector<RoomParticipant*>& participants, const std::string& room,
                                      std::chrono::milliseconds timeoutEach) {
  for (RoomParticipant* participant : participants) {
    const auto reply = participant->Join(room, timeoutEach);
    if (!reply || reply->getValue<std::string>("type") != "joined")
      return ::testing::AssertionFailure() << "join of " << room << " failed: " << participant->Describe(true);
    participant->Negotiate();
  }
  for (RoomParticipant* participant : participants) {
    if (!participant->Media()->WaitConnected(timeoutEach))
      return ::testing::AssertionFailure()
             << "not connected within " << timeoutEach.count() << " ms: " << participant->Describe(true);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Healthy(const ServerProcess& server) {
  if (!server.Running()) return ::testing::AssertionFailure() << "the server is not running";
  try {
    const HttpResult health = server.Get("/healthz");
    if (health.status != 200) return ::testing::AssertionFailure() << health.Describe();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "GET /healthz failed: " << e.what();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult MediaRoomWorks(const ServerProcess& server, std::chrono::milliseconds timeout) {
  try {
    const std::string room = UniqueRoom("canary");
    RoomParticipant a(ServerProcess::kHost, server.Port(), ParticipantOptions("canary-a", 440.0, 0xFFFF0000));
    RoomParticipant b(ServerProcess::kHost, server.Port(), ParticipantOptions("canary-b", 660.0, 0xFF0000FF));
    auto connected = AllConnect({&a, &b}, room, timeout);
    if (!connected) return connected;
    // Each must hear the other: 0.5 s of audio in which the peer's tone
    // stands clearly out of the noise.
    for (RoomParticipant* p : {&a, &b}) {
      const double other = p == &a ? 660.0 : 440.0;
      const bool heard = p->Received().WaitUntil(
          [&] {
            const auto audio = p->Received().LastAudio(ReceivedMedia::kSampleRate / 2);
            return audio.size() == ReceivedMedia::kSampleRate / 2 &&
                   ToneLevelDb(audio, other, 1500.0, ReceivedMedia::kSampleRate) > 20.0;
          },
          timeout);
      if (!heard)
        return ::testing::AssertionFailure() << p->Name() << " does not hear " << other << " Hz: " << p->Describe(true);
    }
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "canary room failed: " << e.what();
  }
  return ::testing::AssertionSuccess();
}

std::string ServerContext(const ServerProcess& server) {
  // The warnings and errors of the whole run first (a failure often starts
  // well before the tail), then the tail itself.
  std::istringstream log(server.OutputTail(1 << 20));
  std::vector<std::string> problems;
  for (std::string line; std::getline(log, line);) {
    if (line.find(" WARN ") != std::string::npos || line.find(" ERROR ") != std::string::npos)
      problems.push_back(line.size() > 600 ? line.substr(0, 600) + "..." : line);
  }
  constexpr std::size_t kMaxProblems = 15;
  std::string out = "\n--- server warnings and errors (" + std::to_string(problems.size()) + ") ---\n";
  for (std::size_t i = problems.size() > kMaxProblems ? problems.size() - kMaxProblems : 0; i < problems.size(); ++i)
    out += problems[i] + "\n";
  return out + "--- server output (tail) ---\n" + server.OutputTail(6000) + "\n---";
}

}  // namespace plenum::test
