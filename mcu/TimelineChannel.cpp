#include "mcu/TimelineChannel.hpp"

#include "mixer/IceCandidate.hpp"

namespace plenum::mcu {

void TimelineChannel::SendAnswer(const std::string& sdp) {
  record_->Step("answer");
  inner_->SendAnswer(sdp);
}

void TimelineChannel::SendCandidate(const IceCandidate& candidate) {
  if (candidate.candidate.empty()) {
    record_->Count("local-candidate", {{"end", true}});
  } else {
    const auto parsed = mixer::ParseCandidate(candidate.candidate);
    record_->Count("local-candidate", {{"type", parsed ? parsed->type : std::string("unknown")}});
  }
  inner_->SendCandidate(candidate);
}

void TimelineChannel::SendError(ErrorCode code, const std::string& message) {
  record_->ErrorSent(code);
  inner_->SendError(code, message);
}

}  // namespace plenum::mcu
