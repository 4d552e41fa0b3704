#include "mcu/Room.hpp"

#include <algorithm>

#include "mcu/ErrorCode.hpp"
#include "mcu/Log.hpp"
#include "mixer/IceCandidate.hpp"

namespace plenum::mcu {

Room::Room(RoomSettings settings, bool persistent, const mixer::MediaOptions& media, GMainContext* control,
           Listener& listener)
    : media_(media),
      control_(control),
      listener_(listener),
      settings_(std::move(settings)),
      persistent_(persistent),
      poster_(control, alive_) {}

Room::~Room() {
  alive_.reset();
  pipeline_.reset();
}

RoomInfo Room::Info() const {
  RoomInfo info;
  info.settings = settings_;
  for (const Member& member : roster_) info.participants.push_back(member.info);
  return info;
}

Room::Member* Room::Find(const std::string& participant) {
  auto it = std::find_if(roster_.begin(), roster_.end(), [&](const Member& m) { return m.info.id == participant; });
  return it == roster_.end() ? nullptr : &*it;
}

std::vector<ParticipantInfo> Room::Join(const ParticipantInfo& participant,
                                        std::shared_ptr<ParticipantChannel> channel) {
  try {
    if (!pipeline_)
      pipeline_ = std::make_unique<mixer::RoomPipeline>(settings_.id, media_, control_,
                                                        static_cast<mixer::RoomPipeline::Listener&>(*this));
    pipeline_->AddParticipant(participant.id, participant.name);
  } catch (const std::exception& error) {
    PLENUM_LOG_ERROR("fail join [room:%s participant:%s error:%s]", id().c_str(), participant.id.c_str(), error.what());
    if (roster_.empty()) pipeline_.reset();
    throw ProtocolError(ErrorCode::Internal, "the room's media could not start");
  }
  std::vector<ParticipantInfo> others;
  for (const Member& member : roster_) {
    others.push_back(member.info);
    member.channel->SendParticipantJoined(participant);
  }
  roster_.push_back(Member{participant, std::move(channel)});
  PLENUM_LOG_INFO("join room [room:%s participant:%s size:%zu]", id().c_str(), participant.id.c_str(), roster_.size());
  return others;
}

void Room::Leave(const std::string& participant) {
  auto it = std::find_if(roster_.begin(), roster_.end(), [&](const Member& m) { return m.info.id == participant; });
  if (it == roster_.end()) return;
  roster_.erase(it);
  if (pipeline_) pipeline_->RemoveParticipant(participant);
  for (const Member& member : roster_) member.channel->SendParticipantLeft(participant);
  PLENUM_LOG_INFO("leave room [room:%s participant:%s size:%zu]", id().c_str(), participant.c_str(), roster_.size());
  if (roster_.empty()) {
    pipeline_.reset();
    speaker_.clear();
  }
}

void Room::Offer(const std::string& participant, const std::string& sdp) {
  if (!pipeline_ || !Find(participant)) throw ProtocolError(ErrorCode::NotJoined, "join a room before offering");
  try {
    pipeline_->ApplyOffer(participant, sdp);
  } catch (const mixer::OfferError& error) {
    throw ProtocolError(
        error.kind() == mixer::OfferError::Kind::Malformed ? ErrorCode::BadRequest : ErrorCode::UnsupportedMedia,
        error.what());
  }
}

void Room::Candidate(const std::string& participant, const CandidateRequest& candidate) {
  if (candidate.candidate.empty()) return;  // end-of-candidates needs no action
  const std::optional<mixer::ParsedCandidate> parsed = mixer::ParseCandidate(candidate.candidate);
  if (!parsed) throw ProtocolError(ErrorCode::BadRequest, "the candidate does not follow RFC 8839");
  // Names are not looked up. An mDNS name (a browser hiding its address)
  // resolves only on the browser's own link, and a domain name would have
  // the server resolve whatever a client asks; the client's connectivity
  // checks reach us anyway and become peer-reflexive candidates.
  if (parsed->address != mixer::ParsedCandidate::Address::Ip) {
    PLENUM_LOG_DEBUG("ignore named candidate [participant:%s address:%s]", participant.c_str(),
                     parsed->connectionAddress.c_str());
    return;
  }
  if (pipeline_) pipeline_->AddRemoteCandidate(participant, candidate.sdpMLineIndex, candidate.candidate);
}

void Room::OnAnswer(const std::string& participant, const std::string& sdp) {
  if (Member* member = Find(participant)) member->channel->SendAnswer(sdp);
}

void Room::OnCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                       const std::string& candidate) {
  if (Member* member = Find(participant)) member->channel->SendCandidate(IceCandidate{candidate, mid, mlineIndex});
}

void Room::OnNegotiationFailed(const std::string& participant, bool badOffer, const std::string& reason) {
  PLENUM_LOG_WARNING("fail negotiation [room:%s participant:%s reason:%s]", id().c_str(), participant.c_str(),
                     reason.c_str());
  if (Member* member = Find(participant)) {
    member->channel->SendError(badOffer ? ErrorCode::BadRequest : ErrorCode::Internal,
                               badOffer ? "the offer was refused: " + reason : "could not answer: " + reason);
  }
}

void Room::OnSpeakerChanged(const std::string& participant) {
  if (participant == speaker_) return;
  speaker_ = participant;
  for (const Member& member : roster_) member.channel->SendSpeaker(participant);
}

void Room::OnParticipantMediaError(const std::string& participant, const std::string& reason) {
  // Deferred: this runs inside the pipeline's bus callback, and dropping
  // the participant may destroy that pipeline.
  poster_.Post([this, participant, reason] { listener_.OnParticipantFailed(*this, participant, reason); });
}

void Room::OnRoomMediaError(const std::string& reason) {
  poster_.Post([this, reason] { listener_.OnRoomFailed(*this, reason); });
}

}  // namespace plenum::mcu
