#pragma once

// The GStreamer branches a MediaClient plugs into its webrtcbin, as bins with
// ghost pads. One builder per branch kind; the launch descriptions are plain
// functions so a reader (or a failing test) can see exactly what runs.

#include "testclient/GRefPtr.hpp"
#include "testclient/MediaClientOptions.hpp"

#include <gst/gst.h>

#include <string>

namespace plenum::test {

// RTP payload types this client offers. Fixed so that two test clients wired
// to each other agree without a payload-type mapping.
inline constexpr int kOpusPayloadType = 111;
inline constexpr int kVp8PayloadType = 96;
inline constexpr int kH264PayloadType = 102;

// Names of the elements the sync marks are drawn on, inside the send bins.
inline constexpr const char* kAudioMarksName = "audio-marks";
inline constexpr const char* kAudioPayloaderName = "audio-pay";
inline constexpr const char* kVideoMarksName = "video-marks";

// Name of the appsink inside a receive bin.
inline constexpr const char* kReceiveSinkName = "sink";

enum class ReceiveKind { kAudio, kVideo, kDiscard };

std::string AudioSendDescription(const MediaClientOptions& options);
std::string VideoSendDescription(const MediaClientOptions& options);
// RTP caps of a receive-only transceiver for a kind the client does not send.
std::string ReceiveOnlyCaps(bool audio);

// The decoding chain for a received RTP stream, chosen by its encoding name
// ("OPUS", "VP8", "H264"); anything else is discarded.
std::string ReceiveDescription(const std::string& encodingName, ReceiveKind* kind);

// A bin built from one of the descriptions above, with ghost pads for its
// unlinked ends ("src" for a send branch, "sink" for a receive branch), named
// after its client (e.g. "audio-send-alice") so that dot dumps read well.
// Throws std::runtime_error when an element is missing or a link fails.
GRefPtr<GstElement> MakeBranchBin(const std::string& description, const std::string& name);

}  // namespace plenum::test
