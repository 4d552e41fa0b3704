#include "mcu/Room.hpp"

#include <algorithm>

#include "mcu/ErrorCode.hpp"
#include "mcu/Log.hpp"
#include "mcu/SessionLog.hpp"
#include "mixer/IceCandidate.hpp"
#include "mixer/RoomMediaHost.hpp"

namespace plenum::mcu {

Room::Room(RoomSettings settings, bool persistent, const mixer::MediaOptions& media, mixer::SharedMedia& shared,
           const RecordingPolicy& recording, const BroadcastPolicy& broadcast, GMainContext* control,
           Listener& listener)
    : media_(media),
      sharedMedia_(shared),
      recordingPolicy_(recording),
      broadcastPolicy_(broadcast),
      control_(control),
      listener_(listener),
      settings_(std::move(settings)),
      persistent_(persistent),
      poster_(control, alive_) {}

Room::~Room() {
  alive_.reset();
  EndRecording();
  // The program's taps point into the broadcasts: detached before they go.
  if (pipeline_) pipeline_->TapProgram(nullptr, nullptr);
  broadcasts_.reset();
  pipeline_.reset();
}

RoomInfo Room::Info() const {
  RoomInfo info;
  info.settings = settings_;
  for (const Member& member : roster_) info.participants.push_back(member.info);
  if (recording()) {
    info.recording = DescribeRecording(*recording_);
  } else if (lastFailed_) {
    info.recording = lastFailed_;
  }
  info.broadcasts = Broadcasts();
  return info;
}

Room::Member* Room::Find(const std::string& participant) {
  auto it = std::find_if(roster_.begin(), roster_.end(), [&](const Member& m) { return m.info.id == participant; });
  return it == roster_.end() ? nullptr : &*it;
}

const Room::Member* Room::Find(const std::string& participant) const {
  return const_cast<Room*>(this)->Find(participant);
}

std::vector<ParticipantInfo> Room::Join(const ParticipantInfo& participant, std::shared_ptr<ParticipantChannel> channel,
                                        std::shared_ptr<ConnectionRecord> record) {
  try {
    if (!pipeline_)
      pipeline_ = std::make_unique<mixer::RoomMediaHost>(settings_.id, media_, sharedMedia_, control_,
                                                         static_cast<mixer::RoomEngine::Listener&>(*this));
    pipeline_->AddParticipant(participant.id, participant.name);
  } catch (const std::exception& error) {
    PLENUM_LOG_ERROR_IN(id(), participant.id, "fail join [room:%s participant:%s error:%s]", id().c_str(),
                        participant.id.c_str(), error.what());
    if (roster_.empty()) pipeline_.reset();
    throw ProtocolError(ErrorCode::Internal, "the room's media could not start");
  }
  // recording-required implies recording-auto: a room must be recorded
  // from its first join to be joined at all.
  if ((recordingPolicy_.automatic || recordingPolicy_.required) && !recording()) StartRecording();
  if (recordingPolicy_.required && !recording()) {
    const std::string reason = lastFailed_ ? lastFailed_->error : "no recording is running";
    pipeline_->RemoveParticipant(participant.id);
    if (roster_.empty()) pipeline_.reset();
    throw ProtocolError(ErrorCode::Internal,
                        "this server records every room (recording-required) and cannot record this one: " + reason);
  }
  if (recording_) TapParticipant(participant);
  std::vector<ParticipantInfo> others;
  for (const Member& member : roster_) {
    others.push_back(member.info);
    member.channel->SendParticipantJoined(participant);
  }
  roster_.push_back(Member{participant, std::move(channel), std::move(record)});
  // The join's own line, with where it came from, is the conference's.
  PLENUM_LOG_DEBUG_IN(id(), participant.id, "room size [room:%s size:%zu]", id().c_str(), roster_.size());
  return others;
}

void Room::Leave(const std::string& participant) {
  auto it = std::find_if(roster_.begin(), roster_.end(), [&](const Member& m) { return m.info.id == participant; });
  if (it == roster_.end()) return;
  roster_.erase(it);
  if (pipeline_) pipeline_->RemoveParticipant(participant);  // detaches its taps
  if (recording_) recording_->RemoveParticipant(participant);
  for (const Member& member : roster_) member.channel->SendParticipantLeft(participant);
  PLENUM_LOG_DEBUG_IN(id(), participant, "room size [room:%s size:%zu]", id().c_str(), roster_.size());
  if (roster_.empty()) {
    // The recording and the broadcasts end with the room's media.
    EndRecording();
    StopBroadcasts();
    pipeline_.reset();
    speaker_.clear();
  }
}

RecordingInfo Room::DescribeRecording(const recorder::RoomRecording& recording) const {
  RecordingInfo info;
  info.id = recording.id();
  info.room = id();
  info.state = recording.state();
  info.startedAt = recording.startedAt();
  info.endedAt = recording.endedAt();
  info.directory = recording.directory();
  info.error = recording.error();
  return info;
}

RecordingInfo Room::StartRecording() {
  if (recording()) {
    throw ProtocolError(ErrorCode::Conflict, "room " + id() + " is already being recorded (" + recording_->id() + ")");
  }
  if (!pipeline_) {
    throw ProtocolError(ErrorCode::Conflict, "nobody is in room " + id() +
                                                 ": a recording starts with the room's media (recording-auto "
                                                 "records every room from its first join)");
  }
  recording_.reset();
  lastFailed_.reset();
  recorder::RoomRecording::Settings settings;
  settings.recordingsDir = recordingPolicy_.recordingsDir;
  settings.room = id();
  settings.zero = pipeline_->RunningTime();
  settings.segmentLength = static_cast<GstClockTime>(recordingPolicy_.segmentSeconds) * GST_SECOND;
  try {
    recording_ = std::make_unique<recorder::RoomRecording>(settings, *recordingPolicy_.key, control_,
                                                           static_cast<recorder::RoomRecording::Listener&>(*this));
  } catch (const std::exception& error) {
    PLENUM_LOG_ERROR("cannot record [room:%s error:%s]", id().c_str(), error.what());
    RecordingInfo failed;
    failed.room = id();
    failed.state = "failed";
    failed.startedAt = recorder::NowRfc3339();
    failed.endedAt = failed.startedAt;
    failed.error = error.what();
    lastFailed_ = failed;
    return failed;
  }
  pipeline_->TapRoom(recording_->RoomAudioTap(), recording_->RoomVideoTap());
  for (const Member& member : roster_) TapParticipant(member.info);
  PLENUM_LOG_INFO("start recording [room:%s recording:%s directory:%s]", id().c_str(), recording_->id().c_str(),
                  recording_->directory().c_str());
  TellRecording(true);
  return DescribeRecording(*recording_);
}

RecordingInfo Room::StopRecording(const std::string& recording) {
  if (!this->recording() || recording_->id() != recording) {
    throw ProtocolError(ErrorCode::NotFound, "no recording " + recording + " runs in room " + id());
  }
  return *EndRecording();
}

void Room::TapParticipant(const ParticipantInfo& participant) {
  auto [audio, video] = recording_->AddParticipant(participant.id, participant.name);
  pipeline_->TapParticipant(participant.id, std::move(audio), std::move(video));
  // A recording that starts in the middle of a call knows who is muted.
  if (participant.audioMuted) recording_->Mute(participant.id, "audio", true);
  if (participant.videoMuted) recording_->Mute(participant.id, "video", true);
}

// Detaches every tap first (no streaming thread is inside the recording
// after that), then closes and seals the files.
std::optional<RecordingInfo> Room::EndRecording() {
  if (!recording_) return std::nullopt;
  const bool wasRunning = recording();
  DetachRecordingTaps();
  recording_->Stop();
  PLENUM_LOG_INFO("stop recording [room:%s recording:%s state:%s]", id().c_str(), recording_->id().c_str(),
                  recording_->state().c_str());
  RecordingInfo ended = DescribeRecording(*recording_);
  recording_.reset();
  if (wasRunning) TellRecording(false);
  return ended;
}

// Once this returns no streaming thread is inside the recording's taps.
void Room::DetachRecordingTaps() {
  if (!pipeline_) return;
  pipeline_->TapRoom(nullptr, nullptr);
  for (const Member& member : roster_) pipeline_->TapParticipant(member.info.id, nullptr, nullptr);
}

void Room::TellRecording(bool active) {
  for (const Member& member : roster_) member.channel->SendRecording(active);
}

void Room::OnRecordingFailed(const std::string& reason) {
  PLENUM_LOG_ERROR("recording failed [room:%s reason:%s]", id().c_str(), reason.c_str());
  // Already sealed as failed: detach its taps and keep it for the API.
  DetachRecordingTaps();
  lastFailed_ = DescribeRecording(*recording_);
  // Not from inside its own callback.
  poster_.Post([this, failed = recording_.get()] {
    if (recording_.get() == failed) recording_.reset();
  });
  TellRecording(false);
  if (recordingPolicy_.required) {
    poster_.Post([this, reason] {
      listener_.OnRoomFailed(*this, "its recording failed and this server records every room: " + reason);
    });
  }
}

void Room::OnParticipantVideoReady(const std::string& participant) {
  if (pipeline_) pipeline_->RequestParticipantKeyframe(participant);
}

BroadcastInfo Room::StartBroadcast(const BroadcastRequest& request) {
  if (!pipeline_) {
    throw ProtocolError(ErrorCode::Conflict,
                        "nobody is in room " + id() + ": a broadcast starts with the room's media");
  }
  if (!broadcasts_) {
    broadcast::RoomBroadcasts::Settings settings;
    settings.room = id();
    settings.hlsDirectory = broadcastPolicy_.hlsDir + "/" + id();
    settings.hlsPath = "/hls/" + id() + "/index.m3u8";
    settings.encode.framerate = media_.videoFramerate;
    settings.encode.videoBitrateKbps = broadcastPolicy_.videoBitrateKbps;
    settings.encode.preset = broadcastPolicy_.preset;
    settings.encode.keyframeSeconds = broadcastPolicy_.hlsSegmentSeconds;
    settings.encode.audioBitrate = broadcastPolicy_.audioBitrate;
    settings.hlsSegmentSeconds = broadcastPolicy_.hlsSegmentSeconds;
    settings.hlsPlaylistLength = static_cast<unsigned>(broadcastPolicy_.hlsPlaylistLength);
    broadcasts_ = std::make_unique<broadcast::RoomBroadcasts>(settings, control_,
                                                              static_cast<broadcast::RoomBroadcasts::Listener&>(*this));
  }
  broadcast::BroadcastInfo started;
  try {
    started = broadcasts_->Start(request.kind, request.url, pipeline_->RunningTime());
  } catch (const broadcast::BadBroadcastRequest& error) {
    throw ProtocolError(ErrorCode::BadRequest, error.what());
  } catch (const broadcast::BroadcastConflict& error) {
    throw ProtocolError(ErrorCode::Conflict, error.what());
  } catch (const std::exception& error) {
    PLENUM_LOG_ERROR("cannot broadcast [room:%s kind:%s error:%s]", id().c_str(), request.kind.c_str(), error.what());
    throw ProtocolError(ErrorCode::Internal, std::string("the broadcast cannot start: ") + error.what());
  }
  PLENUM_LOG_INFO("start broadcast [room:%s broadcast:%s kind:%s url:%s]", id().c_str(), started.id.c_str(),
                  started.kind.c_str(), started.url.c_str());
  return BroadcastInfo{started.id, started.kind, started.state, started.url, started.playlist, started.error};
}

void Room::StopBroadcast(const std::string& broadcast) {
  try {
    if (!broadcasts_) throw broadcast::BroadcastNotFound("");
    broadcasts_->Stop(broadcast);
  } catch (const broadcast::BroadcastNotFound&) {
    throw ProtocolError(ErrorCode::NotFound, "no broadcast " + broadcast + " in room " + id());
  }
  PLENUM_LOG_INFO("stop broadcast [room:%s broadcast:%s]", id().c_str(), broadcast.c_str());
}

void Room::StopBroadcasts() {
  if (broadcasts_ && broadcasts_->running()) {
    broadcasts_->StopAll();
    PLENUM_LOG_INFO("stop broadcasts [room:%s]", id().c_str());
  }
}

std::vector<BroadcastInfo> Room::Broadcasts() const {
  std::vector<BroadcastInfo> list;
  if (!broadcasts_) return list;
  for (const broadcast::BroadcastInfo& b : broadcasts_->List())
    list.push_back(BroadcastInfo{b.id, b.kind, b.state, b.url, b.playlist, b.error});
  return list;
}

std::string Room::HlsDirectory() const { return broadcasts_ ? broadcasts_->HlsDirectory() : std::string(); }

RoomLive Room::Live() const {
  RoomLive live;
  if (!broadcasts_) return live;
  live.kinds = broadcasts_->LiveKinds();
  for (const broadcast::BroadcastInfo& b : broadcasts_->List()) {
    if (b.kind == "hls" && b.state != "stopped" && b.state != "failed") live.watch = "/watch/" + id();
  }
  return live;
}

void Room::OnProgramWanted(bool wanted) {
  if (!pipeline_) return;
  if (!wanted) {
    pipeline_->TapProgram(nullptr, nullptr);
    return;
  }
  broadcast::RoomBroadcasts::ProgramTaps taps = broadcasts_->Taps();
  pipeline_->TapProgram(std::move(taps.audio), std::move(taps.video));
}

void Room::OnBroadcastsChanged() {
  const RoomLive live = Live();
  if (live == toldLive_) return;
  toldLive_ = live;
  for (const Member& member : roster_) member.channel->SendRoomLive(live);
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

void Room::Mute(const std::string& participant, const MuteRequest& request) {
  Member* member = Find(participant);
  if (!member) throw ProtocolError(ErrorCode::NotJoined, "join a room before muting");
  bool changed = false;
  const auto apply = [&](const std::optional<bool>& wanted, bool& state, const char* media) {
    if (!wanted || *wanted == state) return;
    state = *wanted;
    changed = true;
    PLENUM_LOG_INFO_IN(id(), participant, "%s [room:%s participant:%s media:%s]", state ? "mute" : "unmute",
                       id().c_str(), participant.c_str(), media);
    if (recording_) recording_->Mute(participant, media, state);
    member->record->Step(state ? "mute" : "unmute", {{"media", std::string(media)}});
  };
  apply(request.audio, member->info.audioMuted, "audio");
  apply(request.video, member->info.videoMuted, "video");
  if (!changed) return;
  for (const Member& other : roster_) {
    if (other.info.id != participant) other.channel->SendParticipantMuted(member->info);
  }
}

void Room::Candidate(const std::string& participant, const CandidateRequest& candidate) {
  Member* member = Find(participant);
  if (!member) throw ProtocolError(ErrorCode::NotJoined, "join a room before sending candidates");
  if (candidate.candidate.empty()) {  // end-of-candidates needs no action
    member->record->Count("remote-candidate", {{"end", true}});
    return;
  }
  const std::optional<mixer::ParsedCandidate> parsed = mixer::ParseCandidate(candidate.candidate);
  if (!parsed) throw ProtocolError(ErrorCode::BadRequest, "the candidate does not follow RFC 8839");
  ConnectionTimeline::Details details{{"type", parsed->type}};
  if (parsed->address != mixer::ParsedCandidate::Address::Ip) details.push_back({"ignored", true});
  member->record->Count("remote-candidate", std::move(details));
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
  PLENUM_LOG_WARNING_IN(id(), participant, "fail negotiation [room:%s participant:%s reason:%s]", id().c_str(),
                        participant.c_str(), reason.c_str());
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

void Room::LogIfFailed(const std::string& participant, const char* step, const std::string& state) {
  Member* member = Find(participant);
  if (!member || state != "failed" || member->failureLogged) return;
  member->failureLogged = true;
  LogConnectionFailure(id(), participant, step, state);
}

void Room::OnIceState(const std::string& participant, const std::string& state) {
  LogIfFailed(participant, "ice", state);
  if (Member* member = Find(participant)) member->record->IceState(state);
}

void Room::OnPeerConnectionState(const std::string& participant, const std::string& state) {
  LogIfFailed(participant, "connection", state);
  if (Member* member = Find(participant)) member->record->PeerConnectionState(state);
}

void Room::OnDtlsState(const std::string& participant, const std::string& state) {
  LogIfFailed(participant, "dtls", state);
  if (Member* member = Find(participant)) member->record->DtlsState(state);
}

void Room::OnSelectedPair(const std::string& participant, const mixer::SelectedPair& pair) {
  Member* member = Find(participant);
  if (!member) return;
  ConnectionTimeline::Details details{
      {"localType", pair.localType}, {"remoteType", pair.remoteType}, {"protocol", pair.protocol}};
  if (!pair.relayProtocol.empty()) details.push_back({"relayProtocol", pair.relayProtocol});
  member->record->Step("selected-pair", std::move(details));
}

void Room::OnFirstMedia(const std::string& participant, mixer::MediaKind kind, bool incoming) {
  if (Member* member = Find(participant)) {
    member->record->FirstMedia(incoming, kind == mixer::MediaKind::Audio ? "audio" : "video");
  }
}

std::optional<ParticipantInfo> Room::Participant(const std::string& participant) const {
  if (const Member* member = Find(participant)) return member->info;
  return std::nullopt;
}

MediaTotals Room::Totals(const std::string& participant) const {
  const auto counts = pipeline_ ? pipeline_->Counts(participant) : std::nullopt;
  if (!counts) return {};
  const auto totals = [](const mixer::ParticipantCounts::Totals& t) { return StreamTotals{t.packets, t.bytes}; };
  return MediaTotals{totals(counts->audioIn), totals(counts->videoIn), totals(counts->audioOut),
                     totals(counts->videoOut), counts->lostIn, counts->lostOut};
}

std::optional<ParticipantReport> Room::Report(const std::string& participant) const {
  const Member* member = Find(participant);
  if (!member) return std::nullopt;
  const MediaTotals totals = Totals(participant);
  const MediaRates rates = member->record->rates().Rates(RateMeter::Clock::now(), totals);
  ParticipantReport report = member->record->Report(member->info, rates);
  report.loss = LossOf(totals);
  return report;
}

void Room::SampleRates() {
  const auto now = RateMeter::Clock::now();
  for (Member& member : roster_) member.record->rates().Sample(now, Totals(member.info.id));
}

}  // namespace plenum::mcu
