// A participant's channel that also writes what the server tells the
// client into its connection's timeline: the answer, local candidates
// (counted), errors. Everything else passes through. Control thread only,
// like every ParticipantChannel call.
#pragma once

#include <memory>
#include <string>

#include "mcu/ConnectionRecord.hpp"
#include "mcu/ParticipantChannel.hpp"

namespace plenum::mcu {

class TimelineChannel : public ParticipantChannel {
 public:
  TimelineChannel(std::shared_ptr<ParticipantChannel> inner, std::shared_ptr<ConnectionRecord> record)
      : inner_(std::move(inner)), record_(std::move(record)) {}

  // Writes to `record` from now on (a socket that joins again gets a new one).
  void Attach(std::shared_ptr<ConnectionRecord> record) { record_ = std::move(record); }

  void SendJoined(const JoinedEvent& event) override { inner_->SendJoined(event); }
  void SendAnswer(const std::string& sdp) override;
  void SendCandidate(const IceCandidate& candidate) override;
  void SendParticipantJoined(const ParticipantInfo& participant) override {
    inner_->SendParticipantJoined(participant);
  }
  void SendParticipantLeft(const std::string& participant) override { inner_->SendParticipantLeft(participant); }
  void SendParticipantMuted(const ParticipantInfo& participant) override { inner_->SendParticipantMuted(participant); }
  void SendSpeaker(const std::string& participant) override { inner_->SendSpeaker(participant); }
  void SendRecording(bool active) override { inner_->SendRecording(active); }
  void SendRoomLive(const RoomLive& live) override { inner_->SendRoomLive(live); }
  void SendConnection(const ParticipantReport& report) override { inner_->SendConnection(report); }
  void SendError(ErrorCode code, const std::string& message) override;
  void Close() override { inner_->Close(); }

 private:
  std::shared_ptr<ParticipantChannel> inner_;
  std::shared_ptr<ConnectionRecord> record_;
};

}  // namespace plenum::mcu
