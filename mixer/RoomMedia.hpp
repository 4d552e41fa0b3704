// A room's media on the media worker that owns it, with the room's own
// transport instead of a webrtcbin per participant: each participant's
// WebRtcTransport, the AudioEngine and its 20 ms tick.
//
// Audio only so far (issue 10, step 2): the answer rejects video, which
// still goes through webrtcbin in the server. Everything here runs on the
// worker; the control thread reaches it by posting, and events go back
// through the Listener (which posts to the control thread in the server).
#pragma once

#include "mixer/AudioEngine.hpp"
#include "mixer/LocalAnswer.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/IceSettings.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/PeriodicTimer.hpp"
#include "transport/WebRtcTransport.hpp"

#include <map>
#include <memory>
#include <string>

namespace plenum::mixer {

class RoomMedia : private AudioEngine::Listener {
 public:
  struct Options {
    transport::IceSettings ice;
    AudioEngine::Options audio;
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAnswer(const std::string& participant, const std::string& sdp) = 0;
    // `candidate` "" is our end of candidates.
    virtual void OnLocalCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                                  const std::string& candidate) = 0;
    virtual void OnTransportState(const std::string& participant, transport::WebRtcTransport::State state,
                                  const std::string& reason) = 0;
  };

  // On the worker.
  RoomMedia(Listener& listener, transport::MediaWorker& worker,
            std::shared_ptr<const transport::DtlsCertificate> certificate, Options options);
  ~RoomMedia() override;

  RoomMedia(const RoomMedia&) = delete;
  RoomMedia& operator=(const RoomMedia&) = delete;

  // The participant's offer: throws OfferError or TransportDescriptionError
  // and changes nothing when it cannot be used; else the answer goes out
  // through the listener before this returns. A second offer (a
  // renegotiation) is refused for now.
  void ApplyOffer(const std::string& participant, const std::string& sdp);
  // False when it does not parse or the participant has no transport.
  bool AddRemoteCandidate(const std::string& participant, const std::string& candidate);
  void EndOfRemoteCandidates(const std::string& participant);
  void RemoveParticipant(const std::string& participant);

  const AudioEngine& Audio() const { return audio_; }
  const transport::PeriodicTimer& Tick() const { return tick_; }
  // Null when unknown.
  const transport::WebRtcTransport* Transport(const std::string& participant) const;

 private:
  class Endpoint;

  // AudioEngine::Listener
  void OnAudioPacket(const std::string& participant, const AudioEngine::OutgoingPacket& packet) override;
  void OnFullMix(std::span<const int16_t>) override {}

  void OnRtp(Endpoint& endpoint, uint8_t* data, size_t length);

  // Passed by argument.
  Listener& listener_;
  transport::MediaWorker& worker_;

  // Owned.
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  const Options options_;
  AudioEngine audio_;
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;
  transport::PeriodicTimer tick_;  // last: it may fire once everything above exists
};

}  // namespace plenum::mixer
