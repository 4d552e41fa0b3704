// Makes the room's answer accept every codec it can decode.
//
// webrtcbin 1.22 builds an answer's codec list from what the linked sink
// pad can *send*: the composite's VP8 payloader. Our receive side also
// decodes H.264, so the codecs of that kind the offer proposes and the
// answer lacks are added back, with their rtpmap, fmtp and rtcp-fb lines,
// so an H.264 sender may keep sending H.264 while it receives VP8.
// (SDP munging, which webrtcbin's API leaves no other way to express.)
#pragma once

#include <gst/sdp/sdp.h>

#include "mixer/OfferInspector.hpp"

namespace plenum::mixer {

void AddReceivableCodecs(GstSDPMessage* answer, const GstSDPMessage* offer, const OfferSummary& summary);

}  // namespace plenum::mixer
