// The control thread's way to one WebSocket: messages are queued here and
// written by the socket's own handler thread, so a client that stops
// reading stalls only its own thread, never the control thread.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include "mcu/ParticipantChannel.hpp"

namespace plenum::signaling {

class SocketChannel : public mcu::ParticipantChannel {
 public:
  SocketChannel();
  ~SocketChannel() override;
  SocketChannel(const SocketChannel&) = delete;
  SocketChannel& operator=(const SocketChannel&) = delete;

  // A file descriptor that becomes readable when there is something to
  // send or the session should close; the handler thread polls it beside
  // the socket. (Poco has no reactor-friendly way to wake a blocking
  // WebSocket reader, so this is an eventfd of our own.)
  int wakeFd() const { return wakeFd_; }

  struct Pending {
    std::deque<std::string> messages;
    bool close = false;
  };
  // Takes everything queued so far (handler thread).
  Pending Take();

  // Queues a message from the handler thread itself.
  void Enqueue(std::string message);

  // mcu::ParticipantChannel (control thread)
  void SendJoined(const mcu::JoinedEvent& event) override;
  void SendAnswer(const std::string& sdp) override;
  void SendCandidate(const mcu::IceCandidate& candidate) override;
  void SendParticipantJoined(const mcu::ParticipantInfo& participant) override;
  void SendParticipantLeft(const std::string& participant) override;
  void SendParticipantMuted(const mcu::ParticipantInfo& participant) override;
  void SendSpeaker(const std::string& participant) override;
  void SendRecording(bool active) override;
  void SendRoomLive(const mcu::RoomLive& live) override;
  void SendConnection(const mcu::ParticipantReport& report) override;
  void SendError(mcu::ErrorCode code, const std::string& message) override;
  void Close() override;

 private:
  void Wake();

  int wakeFd_;
  std::mutex mutex_;
  Pending pending_;
};

}  // namespace plenum::signaling
