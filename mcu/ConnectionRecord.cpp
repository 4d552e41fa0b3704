#include "mcu/ConnectionRecord.hpp"

#include <utility>

#include "mcu/ServerCounters.hpp"

namespace plenum::mcu {

using Clock = ConnectionTimeline::Clock;

ConnectionRecord::ConnectionRecord(TimePoint socketOpened, ServerCounters* counters) : counters_(counters) {
  timeline_.Record(socketOpened, "socket-opened");
}

void ConnectionRecord::Joined(const std::string& room, const ParticipantInfo& participant) {
  if (left_) return;
  room_ = room;
  participant_ = participant;
  joined_ = true;
  joinedAt_ = std::chrono::steady_clock::now();
  if (counters_) counters_->Joined();
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

void ConnectionRecord::FirstMedia(bool incoming, const std::string& kind) {
  if (left_) return;
  timeline_.Record(Clock::now(), incoming ? "first-media-in" : "first-media-out", {{"kind", kind}});
  bool& seen = incoming ? firstMediaIn_ : firstMediaOut_;
  if (seen || !joined_) return;
  seen = true;
  if (counters_) {
    counters_->FirstMedia(incoming,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - joinedAt_).count());
  }
}

void ConnectionRecord::ErrorSent(ErrorCode code) {
  if (counters_) counters_->ErrorSent(code);
  Step("error", {{"code", std::string(ToString(code))}});
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

void ConnectionRecord::DtlsState(const std::string& state) {
  if (left_ || state == dtlsState_) return;
  dtlsState_ = state;
  timeline_.Record(Clock::now(), "dtls-state", {{"state", state}});
}

void ConnectionRecord::Left(const std::string& reason, const ParticipantInfo& participant, const std::string& message) {
  if (left_) return;
  if (counters_ && joined_) counters_->Left(reason);
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
