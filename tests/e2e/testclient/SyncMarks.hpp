#pragma once

// Marks that show whether a sender's sound and picture stay aligned after
// the server has carried, mixed or recorded them: once a second, at the
// same instant of the sender's clock, its audio turns into a loud 3 kHz
// burst and its picture turns white, both for 100 ms. Whoever receives or
// records the media finds the onsets of both (FindMarkOnsets) and compares
// them; a sender's own capture puts them within a frame of each other.

#include <gst/gst.h>

#include <span>
#include <vector>

namespace plenum::test {

inline constexpr double kMarkPeriodSeconds = 1.0;
inline constexpr double kMarkLengthSeconds = 0.1;
inline constexpr double kMarkToneHz = 3000.0;

// Marks the raw audio (S16LE, mono, 48 kHz) that leaves `audio`'s src pad and
// the raw video (I420) that leaves `video`'s, by their timestamps. Either
// may be null.
void AddSyncMarks(GstElement* audio, GstElement* video);

// Where the marks start in a signal sampled `rate` times a second (`level`:
// for audio the power of kMarkToneHz in short windows, for video a frame's
// mean brightness): the first sample of each run above half-way between
// the signal's low and high levels, in seconds from the first sample,
// with `times` giving each sample's time when the rate is not fixed.
std::vector<double> FindMarkOnsets(std::span<const double> level, std::span<const double> times);

// The 3 kHz level of `samples` (mono, `sampleRate`) in windows of `window`
// seconds, one every `hop` seconds; the times are each window's start.
void MarkToneLevel(std::span<const float> samples, int sampleRate, double window, double hop,
                   std::vector<double>* level, std::vector<double>* times);

}  // namespace plenum::test
