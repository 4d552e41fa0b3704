#include "mixer/AudioLevel.hpp"

#include <cmath>

namespace plenum::mixer {
namespace {

constexpr uint8_t kVoiceBit = 0x80;
constexpr uint8_t kLevelMask = 0x7f;

// -dBov of a mean square, unclamped; +inf for no energy at all.
double Attenuation(double meanSquare) {
  if (!(meanSquare > 0.0)) return INFINITY;  // also NaN
  return -10.0 * std::log10(meanSquare);
}

}  // namespace

AudioLevel::Indication AudioLevel::Parse(uint8_t data) {
  return Indication{static_cast<uint8_t>(data & kLevelMask), (data & kVoiceBit) != 0};
}

uint8_t AudioLevel::Encode(Indication indication) {
  const uint8_t level = indication.level > kSilence ? kSilence : indication.level;
  return static_cast<uint8_t>(level | (indication.voice ? kVoiceBit : 0));
}

uint8_t AudioLevel::FromMeanSquare(double meanSquare) {
  const double attenuation = Attenuation(meanSquare);
  if (attenuation <= 0.0) return 0;  // at or past the overload point
  // floor(x + 0.5): halves go to the quieter level (see the header).
  const double rounded = std::floor(attenuation + 0.5);
  return rounded >= kSilence ? kSilence : static_cast<uint8_t>(rounded);
}

double AudioLevel::ToMeanSquare(uint8_t level) {
  return std::pow(10.0, -static_cast<double>(level > kSilence ? kSilence : level) / 10.0);
}

double AudioLevel::MeanSquareToDbov(double meanSquare) {
  const double attenuation = Attenuation(meanSquare);
  if (attenuation <= 0.0) return 0.0;
  return attenuation >= -kSilenceDbov ? kSilenceDbov : -attenuation;
}

double AudioLevel::MeanSquare(std::span<const int16_t> samples) {
  if (samples.empty()) return 0.0;
  // Exact in 64 bits: 2^30 per sample leaves room for 2^33 samples.
  int64_t sum = 0;
  for (const int16_t sample : samples) sum += static_cast<int64_t>(sample) * sample;
  return static_cast<double>(sum) / (static_cast<double>(samples.size()) * 32768.0 * 32768.0);
}

}  // namespace plenum::mixer
