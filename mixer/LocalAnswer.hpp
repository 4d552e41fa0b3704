// Our SDP answer when the room's own transport (transport/) carries a
// participant, written with GStreamer's SDP library from the offer that
// OfferInspector has already accepted.
//
// One BUNDLE group on the first accepted section's transport, rtcp-mux.
// Audio: Opus at the offer's payload type (in-band FEC asked for, so a
// lost packet can be rebuilt from the next one), the RFC 6464 audio-level
// extension when offered (the engine picks speakers from it without
// decoding), and our one outgoing audio SSRC. Video: one codec at the
// offer's payload type both ways (the camera in, the room's composite
// out), VP8 when offered, else H.264 in packetization mode 1 (the
// composite's second encode, constrained baseline, which every profile the
// offer may name decodes: the offer's profile-level-id is answered as it
// is, 42e01f when it names none), with the feedback the room answers and
// asks for (generic NACK, PLI, FIR) and the SSRC of the composite in that
// codec. Sections the room does not serve are rejected (port 0), as JSEP
// allows.
#pragma once

#include "mixer/OfferInspector.hpp"
#include "transport/TransportDescription.hpp"

#include <gst/sdp/sdp.h>

#include <cstdint>
#include <string>

namespace plenum::mixer {

inline constexpr const char* kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

struct NegotiatedAudio {
  bool present = false;
  int payloadType = 0;
  int levelExtensionId = 0;  // 0: the client does not send levels
  bool receive = false;      // the client sends us audio
  bool send = false;         // we send the client audio
  uint32_t ssrc = 0;         // ours
};

struct NegotiatedVideo {
  bool present = false;
  VideoCodec codec = VideoCodec::VP8;  // the composite's
  int payloadType = 0;                 // the composite's, in `codec`
  // What a camera may come in (0: not answered): the client sends either.
  int vp8PayloadType = 0;
  int h264PayloadType = 0;
  bool receive = false;                // the client sends us its camera
  bool send = false;                   // we send the client the composite
  uint32_t ssrc = 0;                   // ours: the composite's in `codec`, the same for every receiver
};

struct LocalAnswer {
  std::string sdp;
  NegotiatedAudio audio;
  NegotiatedVideo video;
  std::string bundleMid;  // the section our candidates belong to
  unsigned bundleMline = 0;
};

// `summary` is InspectOffer's verdict on `offer`. `videoSsrc` is the VP8
// composite's, `h264VideoSsrc` the H.264 composite's (0: `videoSsrc`).
// Throws OfferError (Unsupported) when nothing in it can be served.
LocalAnswer BuildLocalAnswer(const GstSDPMessage& offer, const OfferSummary& summary,
                             const transport::LocalTransport& transport, uint32_t audioSsrc, uint32_t videoSsrc,
                             const std::string& cname, uint32_t h264VideoSsrc = 0);

// The extension id the offer gives `uri` in `media`, 0 when it has none
// (or an id the one-byte form cannot carry).
int ExtensionId(const GstSDPMedia& media, const char* uri);

}  // namespace plenum::mixer
