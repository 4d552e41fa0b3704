// A room's media as the control thread sees it: participants come and go,
// offers and candidates go in, answers, candidates and events come out,
// and recordings and broadcasts tap what the room hears and sees.
//
// RoomMediaHost implements it (the room's own transport and audio engine
// on a media worker); the room above talks only to this, so it knows
// nothing of GStreamer, workers or transports, and this interface knows
// nothing of sockets or JSON. Control thread only; the Listener is called
// there too.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>

#include <cstdint>

#include "mixer/EncodedTap.hpp"
#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {

// RTP packets and bytes to and from one participant so far (zeros for a
// stream that never was).
struct ParticipantCounts {
  struct Totals {
    uint64_t packets = 0;
    uint64_t bytes = 0;
  };
  Totals audioIn, videoIn, audioOut, videoOut;
  uint64_t lostIn = 0;   // packets lost from the participant to us
  uint64_t lostOut = 0;  // packets the participant reports lost of ours
};

// The candidate pair a connection runs over: kinds and protocols only,
// never addresses (the remote one is the participant's).
struct SelectedPair {
  std::string localType;  // host, srflx, prflx, relay
  std::string remoteType;
  std::string protocol;       // udp, tcp
  std::string relayProtocol;  // the local relay's, when it is one
};

class RoomEngine {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAnswer(const std::string& participant, const std::string& sdp) = 0;
    // An empty `candidate` means the server has gathered all of them.
    virtual void OnCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                             const std::string& candidate) = 0;
    virtual void OnNegotiationFailed(const std::string& participant, bool badOffer, const std::string& reason) = 0;
    // An empty `participant` means nobody is speaking.
    virtual void OnSpeakerChanged(const std::string& participant) = 0;
    // A participant's media failed for good: the room should drop them.
    virtual void OnParticipantMediaError(const std::string& participant, const std::string& reason) = 0;
    // The room's shared media failed: the room cannot go on.
    virtual void OnRoomMediaError(const std::string& reason) = 0;
    // A participant's connection, for its timeline, in webrtc's words
    // ("checking", "connected"; "connecting", "failed"); changes only.
    virtual void OnIceState(const std::string& participant, const std::string& state) = 0;
    virtual void OnPeerConnectionState(const std::string& participant, const std::string& state) = 0;
    // DTLS's ("connecting", "connected", "failed", "closed"); changes only.
    virtual void OnDtlsState(const std::string&, const std::string&) {}
    virtual void OnSelectedPair(const std::string& participant, const SelectedPair& pair) = 0;
    // The first RTP packet of a kind from the participant (`incoming`), or
    // to it once its connection is up.
    virtual void OnFirstMedia(const std::string& participant, MediaKind kind, bool incoming) = 0;
  };

  virtual ~RoomEngine() = default;

  // Participants appear in the composite in the order they were added.
  virtual void AddParticipant(const std::string& participant, const std::string& name) = 0;
  // Detaches the participant's taps before it returns.
  virtual void RemoveParticipant(const std::string& participant) = 0;
  // Throws OfferError for an offer the room cannot use; nothing changes
  // then. The answer comes back through the Listener.
  virtual void ApplyOffer(const std::string& participant, const std::string& sdp) = 0;
  virtual void AddRemoteCandidate(const std::string& participant, unsigned mlineIndex,
                                  const std::string& candidate) = 0;

  // The room as heard (the full mix, in Opus, encoded once while tapped)
  // and seen (the composite's VP8, the encode the participants get), for a
  // recording; empty taps stop them. Taps start with a keyframe request.
  // Once this returns, a replaced tap is not called again.
  virtual void TapRoom(EncodedFrameTap audio, EncodedFrameTap video) = 0;
  // The room's program for a broadcast: the full mix and the composite
  // picture, raw (S16LE 48 kHz mono in 20 ms frames; the composite's
  // video/x-raw), each frame with its running time on the room's
  // timeline. Empty taps stop them. Taps run on media threads and must
  // not block.
  virtual void TapProgram(EncodedFrameTap audio, EncodedFrameTap video) = 0;
  // What one participant sends, as sent (depayloaded, not decoded), from
  // now on and for streams that arrive later. A video tap asks the sender
  // for a keyframe, so that what it keeps starts decodable.
  virtual void TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) = 0;

  // The room's running time now: the timeline its taps' frames carry.
  virtual GstClockTime RunningTime() const = 0;
  // Asks the participant's camera for a keyframe.
  virtual void RequestParticipantKeyframe(const std::string& participant) = 0;
  // The participant's RTP so far; nothing for one the room does not have.
  virtual std::optional<ParticipantCounts> Counts(const std::string& participant) const = 0;
};

}  // namespace plenum::mixer
