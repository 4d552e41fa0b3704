#pragma once

#include "testclient/MediaClient.hpp"
#include "testclient/WsClient.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace plenum::test {

// A participant of a plenum room as a browser would be: a signaling socket
// (WsClient) and a WebRTC peer (MediaClient) wired together as in section 1
// of the protocol. It joins, then offers; the server answers; both trickle
// candidates. The media side is created at Negotiate(), so a participant can
// also stay signaling-only.
class RoomParticipant : private MediaClient::Listener {
 public:
  // Connects the signaling socket. Throws Poco::Exception.
  RoomParticipant(const std::string& host, std::uint16_t port, MediaClientOptions options);
  ~RoomParticipant() override;

  RoomParticipant(const RoomParticipant&) = delete;
  RoomParticipant& operator=(const RoomParticipant&) = delete;

  // Sends join and waits for "joined" or "error". Returns the reply (either
  // type), nullopt on timeout or a closed socket. On "joined", Id() is set.
  std::optional<WsClient::Message> Join(const std::string& room, std::chrono::milliseconds timeout,
                                        const std::string& token = {});
  // Starts the media side and sends an offer; returns at once.
  void Negotiate();
  // Join, Negotiate, then wait for the peer connection. False on any
  // failure; Describe() says which.
  bool JoinAndConnect(const std::string& room, std::chrono::milliseconds timeout);
  // Sends leave and waits for the server to close the socket; the close
  // code, nullopt on timeout. Throws Poco::Exception on a closed socket.
  std::optional<int> Leave(std::chrono::milliseconds timeout);

  const std::string& Name() const { return options_.name; }
  // Own participant id from "joined", "" before.
  const std::string& Id() const { return id_; }
  WsClient& Signaling() { return *ws_; }
  // Null before Negotiate().
  MediaClient* Media() { return media_.get(); }
  const ReceivedMedia& Received() const;

  // State of both halves in one line, for assertion messages; see
  // MediaClient::Describe for `withStats`.
  std::string Describe(bool withStats = false) const;

 private:
  void OnLocalDescription(MediaClient::SdpType type, const std::string& sdp) override;
  void OnLocalCandidate(unsigned mlineIndex, const std::string& mid, const std::string& candidate) override;
  void OnAnswer(const WsClient::Message& message);
  void OnCandidate(const WsClient::Message& message);

  // Owned. The socket outlives the media client, whose callbacks use it.
  MediaClientOptions options_;
  std::unique_ptr<WsClient> ws_;
  std::unique_ptr<MediaClient> media_;

  // Others.
  std::string id_;
  std::string lastJoinReply_;
  ReceivedMedia noMedia_;  // what Received() shows before Negotiate()
};

}  // namespace plenum::test
