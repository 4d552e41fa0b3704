#include "testclient/Analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace plenum::test {

namespace {

// Below any power a 32-bit float signal can carry, so dB figures stay finite.
constexpr double kPowerFloor = 1e-20;

}  // namespace

double GoertzelPower(std::span<const float> samples, double frequencyHz, double sampleRateHz) {
  const std::size_t n = samples.size();
  if (n < 2 || sampleRateHz <= 0.0) return 0.0;

  const double omega = 2.0 * std::numbers::pi * frequencyHz / sampleRateHz;
  const double coefficient = 2.0 * std::cos(omega);
  double previous = 0.0;
  double beforePrevious = 0.0;
  double windowSum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double window =
        0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n - 1));
    windowSum += window;
    const double current = window * samples[i] + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  // |X(omega)|^2 of the windowed block; a sine of amplitude A yields
  // |X| = A * windowSum / 2, hence the scaling back to A^2.
  const double magnitudeSquared =
      previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  const double amplitude = 2.0 * std::sqrt(std::max(magnitudeSquared, 0.0)) / windowSum;
  return amplitude * amplitude;
}

double PowerRatioDb(double numerator, double denominator) {
  return 10.0 * std::log10(std::max(numerator, kPowerFloor) / std::max(denominator, kPowerFloor));
}

double ToneLevelDb(std::span<const float> samples, double frequencyHz, double referenceHz, double sampleRateHz) {
  return PowerRatioDb(GoertzelPower(samples, frequencyHz, sampleRateHz),
                      GoertzelPower(samples, referenceHz, sampleRateHz));
}

double ColourShare(const RgbFrame& frame, Rgb colour, int tolerance) {
  if (frame.Empty()) return 0.0;
  const std::size_t pixels = static_cast<std::size_t>(frame.width) * static_cast<std::size_t>(frame.height);
  if (frame.rgb.size() < pixels * 3) return 0.0;

  std::size_t matching = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* px = &frame.rgb[i * 3];
    if (std::abs(px[0] - colour.r) <= tolerance && std::abs(px[1] - colour.g) <= tolerance &&
        std::abs(px[2] - colour.b) <= tolerance)
      ++matching;
  }
  return static_cast<double>(matching) / static_cast<double>(pixels);
}

}  // namespace plenum::test
