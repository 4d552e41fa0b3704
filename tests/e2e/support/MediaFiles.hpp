// What a test reads back from a media file (a recording, a broadcast read
// from its server) with ffprobe and ffmpeg: its streams, its sound and its
// last picture.
#pragma once

#include "testclient/RgbFrame.hpp"

#include <string>
#include <vector>

namespace plenum::test {

inline constexpr const char* kFfprobe = "/usr/bin/ffprobe";
inline constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";
inline constexpr int kDecodedSampleRate = 48000;
inline constexpr double kNoiseProbeHz = 1234.0;  // no test tone, harmonic or product of two sits here

// "codec_type:codec_name" of each stream, sorted, e.g. {"audio:opus",
// "video:vp8"}; with `sizes`, video streams end in ":WxH". Each stream once
// (ffprobe lists an MPEG-TS stream again under its program).
std::vector<std::string> Streams(const std::string& file, bool sizes = false);

// The file's first audio stream, decoded to mono 48 kHz, frame after frame
// as ffmpeg plays them (gaps in the timestamps are not filled). `scratch`:
// a directory for ffmpeg's output.
std::vector<float> DecodeAudio(const std::string& file, const std::string& scratch);
// The same, the last `seconds` of it.
std::vector<float> DecodedAudio(const std::string& file, const std::string& scratch, double seconds);

// The file's last video frame, decoded to RGB at `width` x `height`; empty
// when it has none.
RgbFrame LastFrame(const std::string& file, const std::string& scratch, int width, int height);

// dB of `hz` over the noise probe in `audio` (mono, 48 kHz).
double ToneOverNoiseDb(const std::vector<float>& audio, double hz);

}  // namespace plenum::test
