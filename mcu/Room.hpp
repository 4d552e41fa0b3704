// A room: its roster, its settings, and (while anyone is in it) its media
// pipeline. Control thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broadcast/RoomBroadcasts.hpp"
#include "mcu/BroadcastPolicy.hpp"
#include "mcu/ConnectionRecord.hpp"
#include "mcu/Messages.hpp"
#include "mcu/ParticipantChannel.hpp"
#include "mcu/RecordingPolicy.hpp"
#include "mcu/RoomListener.hpp"
#include "mixer/ControlContext.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/RoomEngine.hpp"
#include "recorder/RoomRecording.hpp"

namespace plenum::mixer {
class SharedMedia;
}  // namespace plenum::mixer

namespace plenum::mcu {

class Room : private mixer::RoomEngine::Listener,
             private recorder::RoomRecording::Listener,
             private broadcast::RoomBroadcasts::Listener {
 public:
  using Listener = RoomListener;

  // `persistent`: made through the REST API, so it outlives its last
  // participant (its media does not). `shared`: the media threads its
  // media is placed on.
  Room(RoomSettings settings, bool persistent, const mixer::MediaOptions& media, mixer::SharedMedia& shared,
       const RecordingPolicy& recording, const BroadcastPolicy& broadcast, GMainContext* control,
       Listener& listener);
  ~Room() override;
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  const std::string& id() const { return settings_.id; }
  bool persistent() const { return persistent_; }
  bool empty() const { return roster_.empty(); }
  bool full() const { return static_cast<int>(roster_.size()) >= settings_.maxParticipants; }
  bool hasPipeline() const { return pipeline_ != nullptr; }
  size_t size() const { return roster_.size(); }
  RoomInfo Info() const;

  // Adds the participant, tells the others, and returns who was already
  // there. Throws ProtocolError(internal) if the media cannot start.
  // What the participant's media reports goes into `record`.
  std::vector<ParticipantInfo> Join(const ParticipantInfo& participant, std::shared_ptr<ParticipantChannel> channel,
                                    std::shared_ptr<ConnectionRecord> record);
  // Removes the participant and tells the others; tears the pipeline down
  // when the room empties.
  void Leave(const std::string& participant);
  // Recording. Start throws ProtocolError: conflict (one runs), not-found
  // (nobody is in the room: a recording starts with the room's media);
  // a recording that cannot be written comes back "failed", with why.
  RecordingInfo StartRecording();
  // Throws ProtocolError(not-found) unless `recording` is the running one.
  RecordingInfo StopRecording(const std::string& recording);
  bool recording() const { return recording_ && recording_->state() == "recording"; }

  // Broadcasts. Start throws ProtocolError: bad-request (kind, URL),
  // conflict (nobody is in the room; a second HLS output; too many),
  // internal (the encoders cannot start); nothing starts then. They stop
  // when the room empties and stay listed, stopped, while the room lasts.
  BroadcastInfo StartBroadcast(const BroadcastRequest& request);
  // Throws ProtocolError(not-found).
  void StopBroadcast(const std::string& broadcast);
  std::vector<BroadcastInfo> Broadcasts() const;
  // Where the room's HLS playlist and segments are, while it has an HLS
  // broadcast (running or ended); empty otherwise.
  std::string HlsDirectory() const;
  // What the participants are told of the room's broadcasts.
  RoomLive Live() const;

  // Throws ProtocolError(bad-request | unsupported-media); nothing changes then.
  void Offer(const std::string& participant, const std::string& sdp);
  void Candidate(const std::string& participant, const CandidateRequest& candidate);
  // Records the client's word that it stopped or resumed sending (the
  // archive's timeline) and tells the others; a repeat changes nothing.
  void Mute(const std::string& participant, const MuteRequest& request);

  // A participant as the room knows it now; nothing if not in the room.
  std::optional<ParticipantInfo> Participant(const std::string& participant) const;
  // Its connection with its current rates; nothing if not in the room.
  std::optional<ParticipantReport> Report(const std::string& participant) const;
  // Samples every participant's RTP totals for its rates (every second).
  void SampleRates();

 private:
  struct Member {
    ParticipantInfo info;
    std::shared_ptr<ParticipantChannel> channel;
    std::shared_ptr<ConnectionRecord> record;
    bool failureLogged = false;  // its connection's one failure line
  };
  Member* Find(const std::string& participant);
  const Member* Find(const std::string& participant) const;
  // The failure line, once per participant, when a transport `state` at
  // `step` (ice, dtls, connection) is "failed".
  void LogIfFailed(const std::string& participant, const char* step, const std::string& state);
  MediaTotals Totals(const std::string& participant) const;
  RecordingInfo DescribeRecording(const recorder::RoomRecording& recording) const;
  void TapParticipant(const ParticipantInfo& participant);
  std::optional<RecordingInfo> EndRecording();  // what it was, if one ran
  void DetachRecordingTaps();
  void TellRecording(bool active);

  void StopBroadcasts();

  // broadcast::RoomBroadcasts::Listener
  void OnProgramWanted(bool wanted) override;
  void OnBroadcastsChanged() override;

  // recorder::RoomRecording::Listener
  void OnRecordingFailed(const std::string& reason) override;
  void OnParticipantVideoReady(const std::string& participant) override;

  // mixer::RoomEngine::Listener
  void OnAnswer(const std::string& participant, const std::string& sdp) override;
  void OnCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                   const std::string& candidate) override;
  void OnNegotiationFailed(const std::string& participant, bool badOffer, const std::string& reason) override;
  void OnSpeakerChanged(const std::string& participant) override;
  void OnParticipantMediaError(const std::string& participant, const std::string& reason) override;
  void OnRoomMediaError(const std::string& reason) override;
  void OnIceState(const std::string& participant, const std::string& state) override;
  void OnPeerConnectionState(const std::string& participant, const std::string& state) override;
  void OnDtlsState(const std::string& participant, const std::string& state) override;
  void OnSelectedPair(const std::string& participant, const mixer::SelectedPair& pair) override;
  void OnFirstMedia(const std::string& participant, mixer::MediaKind kind, bool incoming) override;

  // Passed by argument.
  const mixer::MediaOptions& media_;
  mixer::SharedMedia& sharedMedia_;
  const RecordingPolicy& recordingPolicy_;
  const BroadcastPolicy& broadcastPolicy_;
  GMainContext* control_;
  Listener& listener_;

  // Owned.
  RoomSettings settings_;
  bool persistent_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  mixer::ControlPoster poster_;
  std::vector<Member> roster_;  // in join order
  std::string speaker_;
  std::unique_ptr<mixer::RoomEngine> pipeline_;
  std::unique_ptr<recorder::RoomRecording> recording_;  // while one runs
  std::optional<RecordingInfo> lastFailed_;             // the last, when it failed
  std::unique_ptr<broadcast::RoomBroadcasts> broadcasts_;  // from the first broadcast on
  RoomLive toldLive_;                                      // what the participants last heard
};

}  // namespace plenum::mcu
