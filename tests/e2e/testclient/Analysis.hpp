#pragma once

// Signal measurements used by the tests' assertions. Pure functions: no
// GStreamer, no state, unit-tested on synthetic signals.

#include "testclient/RgbFrame.hpp"

#include <span>

namespace plenum::test {

// Power of one frequency in a window of samples (Goertzel on a Hann-windowed
// block), scaled so that a sine of amplitude A at that frequency gives A^2.
// The window keeps a strong tone from leaking into a neighbouring probe
// frequency, which matters when a tone must be shown to be absent.
double GoertzelPower(std::span<const float> samples, double frequencyHz, double sampleRateHz);

// 10 * log10(numerator / denominator), with both floored at a tiny power so
// that silence yields a large finite number instead of infinity or NaN.
double PowerRatioDb(double numerator, double denominator);

// Level of the tone at frequencyHz relative to the one at referenceHz, in dB.
double ToneLevelDb(std::span<const float> samples, double frequencyHz, double referenceHz, double sampleRateHz);

// Share (0..1) of the frame's pixels whose every channel is within tolerance
// of colour. 0 for an empty frame.
double ColourShare(const RgbFrame& frame, Rgb colour, int tolerance);

}  // namespace plenum::test
