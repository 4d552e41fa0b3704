#include "mcu/ConnectionRecord.hpp"

#include <utility>

namespace plenum::mcu {

using Clock = ConnectionTimeline::Clock;

ConnectionRecord::ConnectionRecord(TimePoint socketOpened) { timeline_.Record(socketOpened, "socket-opened"); }

void ConnectionRecord::Joined(const std::string& room, const ParticipantInfo& participant) {
  if (left_) return;
  room_ = room;
  participant_ = participant;
  joined_ = true;
  timeline_.Record(participant.joinedAt, "joined", {{"room", room}, {"participant", participant.id}});
}

void ConnectionRecord::Offer() {
  if (left_) return;
  if (offers_++ == 0) {
    timeline_.Record(Clock::now(), "offer");
  } else {
    timeline_.Record(Clock::now(), "offer", {{"renegotiation", true}});
  }
}

void ConnectionRecord::Step(std::string step, ConnectionTimeline::Details details) {
  if (!left_) timeline_.Record(Clock::now(), std::move(step), std::move(details));
}

void ConnectionRecord::Count(std::string step, ConnectionTimeline::Details details) {
  if (!left_) timeline_.Count(Clock::now(), std::move(step), std::move(details));
}

void ConnectionRecord::IceState(const std::string& state) {
  if (left_ || state == iceState_) return;
  iceState_ = state;
  timeline_.Record(Clock::now(), "ice-state", {{"state", state}});
}

void ConnectionRecord::PeerConnectionState(const std::string& state) {
  if (left_ || state == peerState_) return;
  peerState_ = state;
  timeline_.Record(Clock::now(), "peer-connection-state", {{"state", state}});
}

void ConnectionRecord::Left(const std::string& reason, const ParticipantInfo& participant, const std::string& message) {
  if (left_) return;
  ConnectionTimeline::Details details{{"reason", reason}};
  if (!message.empty()) details.push_back({"message", message});
  timeline_.Record(Clock::now(), "left", std::move(details));
  participant_ = participant;
  left_ = true;
  leftAt_ = std::chrono::steady_clock::now();
}

ParticipantReport ConnectionRecord::Report(const ParticipantInfo& participant, const MediaRates& rates) const {
  ParticipantReport report;
  report.room = room_;
  report.participant = left_ ? participant_ : participant;
  report.state = ConnectionState(iceState_, peerState_, left_);
  report.timeline = timeline_.entries();
  report.timelineDropped = timeline_.dropped();
  if (!left_) report.rates = rates;
  return report;
}

}  // namespace plenum::mcu
