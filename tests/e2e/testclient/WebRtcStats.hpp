#pragma once

#include <gst/gst.h>

#include <chrono>
#include <string>

namespace plenum::test {

// One line per RTP stream from a webrtcbin "get-stats" reply, e.g.
// "inbound-rtp ssrc=123 clock=48000 packets=250 bytes=20000". Tells a stream that
// never arrived from one that arrived but was not decoded.
std::string SummarizeRtpStats(const GstStructure* stats);

// Asks a webrtcbin for its stats and summarises them; "no reply" if none came
// within `timeout`. Not from webrtcbin's own thread.
std::string QueryRtpStats(GstElement* webrtcbin, std::chrono::milliseconds timeout);

}  // namespace plenum::test
