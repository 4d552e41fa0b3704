#pragma once

#include "testclient/GUniquePtr.hpp"

#include <gst/webrtc/webrtc.h>

#include <string>
#include <vector>

namespace plenum::test {

// Parses SDP text into what webrtcbin takes. Throws std::invalid_argument when
// GStreamer's SDP parser rejects it or it has no media section.
GUniquePtr<GstWebRTCSessionDescription> ParseSessionDescription(GstWebRTCSDPType type, const std::string& sdp);

std::string SdpText(const GstSDPMessage* sdp);

// Adds a codec the client can receive but does not send to media section
// `mlineIndex`, after the ones it lists (so the sending codec stays first):
// payload type, "a=rtpmap:PT ENCODING", and the usual video feedback. What a
// browser does when it offers every codec it decodes.
void AddReceiveCodec(GstSDPMessage* sdp, guint mlineIndex, int payloadType, const std::string& rtpmap);

// The rtpmap encodings ("VP8/90000") of the first media section of kind
// `media` ("audio", "video") in SDP text; empty if unparsable or absent.
std::vector<std::string> MediaCodecs(const std::string& sdp, const std::string& media);

// The a=mid of each media section, in m-line order ("" where absent).
std::vector<std::string> MediaIds(const GstSDPMessage* sdp);

}  // namespace plenum::test
