#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace plenum::bench {

// Speech-like noise: white noise through two one-pole low-passes (about
// 460 Hz each) under a 4 Hz syllable envelope, about -28 dBov at the
// default gain, roughly speech's level, spectrum and rhythm. Two poles keep
// a room of talkers out of the 3 kHz marker's band: with one, the sum of
// some 30 voices reached the detector's threshold there (a simulation of
// the mix, with the detector's Goertzel blocks).
class SpeechNoise {
public:
	static constexpr int kRate = 48000;
	static constexpr double kGain = 30000.0;
	static constexpr int kSyllableSamples = kRate / 4; // sin^2(4 pi t) repeats every 250 ms

	// `envelopeOffset` (samples) puts this talker's syllables out of step
	// with the others', as people's are.
	SpeechNoise(std::uint32_t seed, std::uint32_t envelopeOffset, double gain = kGain)
		: state_(0x9E3779B9u ^ seed), offset_(envelopeOffset % kSyllableSamples), gain_(gain)
	{
	}

	// `count` samples from sample `first` of the stream on.
	void Fill(std::int16_t* out, int count, std::uint64_t first)
	{
		const auto& envelope = Envelope();
		std::size_t phase = std::size_t((first + offset_) % kSyllableSamples);
		for (int i = 0; i < count; ++i) {
			state_ = state_ * 1664525u + 1013904223u;
			const double white = (double(state_ >> 8) / double(1u << 24)) * 2.0 - 1.0;
			low_ += kPole * (white - low_);
			lower_ += kPole * (low_ - lower_);
			out[i] = static_cast<std::int16_t>(std::clamp(gain_ * lower_ * double(envelope[phase]), -32000.0, 32000.0));
			if (++phase == std::size_t(kSyllableSamples))
				phase = 0;
		}
	}

private:
	static constexpr double kPole = 0.06;

	// One period of the syllable envelope, computed once.
	static const std::vector<float>& Envelope()
	{
		static const std::vector<float> envelope = [] {
			std::vector<float> values(kSyllableSamples);
			for (int i = 0; i < kSyllableSamples; ++i)
				values[std::size_t(i)] = float(std::pow(std::sin(M_PI * 4.0 * double(i) / kRate), 2.0));
			return values;
		}();
		return envelope;
	}

	std::uint32_t state_;
	std::uint32_t offset_;
	double gain_;
	double low_ = 0.0;
	double lower_ = 0.0;
};

} // namespace plenum::bench
