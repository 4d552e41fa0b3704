#include "testclient/RoomParticipant.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <glib.h>

#include <algorithm>
#include <sstream>

namespace plenum::test {
namespace {

// joined.iceServers (RTCIceServer objects: urls, username, credential)
// as webrtcbin takes them: "stun://host:port", "turn://user:pass@host:port".
void TakeIceServers(const Poco::JSON::Array::Ptr& servers, MediaClientOptions& options) {
  options.stunServer.clear();
  options.turnServers.clear();
  if (!servers) return;
  auto escaped = [](const std::string& text) {
    gchar* raw = g_uri_escape_string(text.c_str(), nullptr, FALSE);
    std::string out = raw ? raw : "";
    g_free(raw);
    return out;
  };
  for (std::size_t i = 0; i < servers->size(); ++i) {
    const auto server = servers->getObject(static_cast<unsigned>(i));
    const auto urls = server ? server->getArray("urls") : nullptr;
    if (!urls) continue;
    for (std::size_t j = 0; j < urls->size(); ++j) {
      const std::string url = urls->getElement<std::string>(static_cast<unsigned>(j));
      const auto colon = url.find(':');
      const std::string scheme = url.substr(0, colon);
      const std::string rest = colon == std::string::npos ? "" : url.substr(colon + 1);
      if (scheme == "stun") {
        options.stunServer = "stun://" + rest;
      } else if (scheme == "turn" || scheme == "turns") {
        options.turnServers.push_back(scheme + "://" + escaped(server->optValue<std::string>("username", "")) + ":" +
                                      escaped(server->optValue<std::string>("credential", "")) + "@" + rest);
      }
    }
  }
}

}  // namespace

RoomParticipant::RoomParticipant(const std::string& host, std::uint16_t port, MediaClientOptions options)
    : options_(std::move(options)), ws_(std::make_unique<WsClient>(host, port)) {}

RoomParticipant::~RoomParticipant() {
  // No handler may reach the media client while it is torn down.
  ws_->ClearHandlers();
  media_.reset();
  ws_.reset();
}

std::optional<WsClient::Message> RoomParticipant::Join(const std::string& room, std::chrono::milliseconds timeout,
                                                       const std::string& token) {
  WsClient::Message join;
  join.set("type", "join");
  join.set("room", room);
  join.set("name", options_.name);
  if (!token.empty()) join.set("token", token);
  try {
    ws_->Send(join);
  } catch (const Poco::Exception& e) {
    lastJoinReply_ = "(not sent: " + e.displayText() + ")";
    return std::nullopt;
  }
  auto reply = ws_->WaitForAny({"joined", "error"}, timeout);
  if (reply) {
    std::ostringstream text;
    reply->stringify(text);
    lastJoinReply_ = text.str();
    if (reply->getValue<std::string>("type") == "joined") {
      id_ = reply->optValue<std::string>("participant", "");
      if (options_.iceServersFromJoined) TakeIceServers(reply->getArray("iceServers"), options_);
    }
  } else {
    lastJoinReply_ = "(none)";
  }
  return reply;
}

void RoomParticipant::Negotiate() {
  if (!media_) {
    MediaClient::Listener& listener = *this;
    media_ = std::make_unique<MediaClient>(options_, listener);
    // Registered after media_ is set (SetHandler synchronises with the
    // reader thread). They run on that thread and only queue work in
    // webrtcbin.
    ws_->SetHandler("answer", [this](const WsClient::Message& m) { OnAnswer(m); });
    ws_->SetHandler("candidate", [this](const WsClient::Message& m) { OnCandidate(m); });
  }
  media_->CreateOffer();
}

bool RoomParticipant::JoinAndConnect(const std::string& room, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero()));
  };
  const auto reply = Join(room, remaining());
  if (!reply || reply->getValue<std::string>("type") != "joined") return false;
  Negotiate();
  return media_->WaitConnected(remaining());
}

std::optional<int> RoomParticipant::Leave(std::chrono::milliseconds timeout) {
  WsClient::Message leave;
  leave.set("type", "leave");
  ws_->Send(leave);
  return ws_->WaitForClose(timeout);
}

const ReceivedMedia& RoomParticipant::Received() const { return media_ ? media_->Received() : noMedia_; }

std::string RoomParticipant::Describe(bool withStats) const {
  std::ostringstream out;
  out << "[" << options_.name << " id=" << (id_.empty() ? "?" : id_) << " ws=" << (ws_->IsOpen() ? "open" : "closed")
      << " join-reply=" << lastJoinReply_ << " received:";
  for (const std::string& type : ws_->History()) out << " " << type;
  out << " | " << (media_ ? media_->Describe(withStats) : std::string("no media")) << "]";
  return out.str();
}

void RoomParticipant::OnLocalDescription(MediaClient::SdpType type, const std::string& sdp) {
  WsClient::Message message;
  message.set("type", ToString(type));
  message.set("sdp", sdp);
  ws_->Send(message);
}

void RoomParticipant::OnLocalCandidate(unsigned mlineIndex, const std::string& mid, const std::string& candidate) {
  WsClient::Message message;
  message.set("type", "candidate");
  message.set("candidate", candidate);
  message.set("sdpMid", mid);
  message.set("sdpMLineIndex", mlineIndex);
  ws_->Send(message);
}

void RoomParticipant::OnAnswer(const WsClient::Message& message) {
  media_->SetRemoteDescription(MediaClient::SdpType::kAnswer, message.optValue<std::string>("sdp", ""));
}

void RoomParticipant::OnCandidate(const WsClient::Message& message) {
  const std::string candidate = message.optValue<std::string>("candidate", "");
  // sdpMLineIndex is what webrtcbin takes; with max-bundle every m-line
  // shares the transport, so a candidate without one goes to m-line 0.
  const unsigned mline = message.has("sdpMLineIndex") && !message.isNull("sdpMLineIndex")
                             ? message.getValue<unsigned>("sdpMLineIndex")
                             : 0;
  media_->AddRemoteCandidate(mline, candidate);
}

}  // namespace plenum::test
