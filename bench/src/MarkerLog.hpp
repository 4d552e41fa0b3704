#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <vector>

namespace plenum::bench {

// When the marker bot emitted its audio bursts and camera changes
// (steady clock), shared by every bot of the process.
class MarkerLog {
public:
	using TimePoint = std::chrono::steady_clock::time_point;

	void AddAudio(TimePoint t)
	{
		std::lock_guard lock(mutex_);
		audio_.push_back(t);
	}
	void AddVideo(TimePoint t)
	{
		std::lock_guard lock(mutex_);
		video_.push_back(t);
	}
	std::vector<TimePoint> Audio()
	{
		std::lock_guard lock(mutex_);
		return audio_;
	}
	std::vector<TimePoint> Video()
	{
		std::lock_guard lock(mutex_);
		return video_;
	}
	void Clear()
	{
		std::lock_guard lock(mutex_);
		audio_.clear();
		video_.clear();
	}

private:
	std::mutex mutex_;
	std::vector<TimePoint> audio_;
	std::vector<TimePoint> video_;
};

// The marker's burst and how receivers detect it: amplitude of the 3 kHz
// tone in 10 ms blocks of decoded audio, on above kMarkerOnAmplitude, off
// after 100 ms below kMarkerOffAmplitude.
constexpr double kMarkerHz = 3000.0;
constexpr double kMarkerOnAmplitude = 0.08;
constexpr double kMarkerOffAmplitude = 0.03;
constexpr int kMarkerQuietBlocks = 10;

// Amplitude of `hz` in `count` samples at `rate` (Goertzel).
inline double ToneAmplitude(const float* samples, int count, double hz, int rate)
{
	const double w = 2.0 * M_PI * hz / rate;
	const double coefficient = 2.0 * std::cos(w);
	double s1 = 0.0, s2 = 0.0;
	for (int i = 0; i < count; ++i) {
		const double s0 = samples[i] + coefficient * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	const double power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
	return 2.0 * std::sqrt(std::max(power, 0.0)) / count;
}

// Whether the marker fires in second `second` of its sender when it is
// coded: a maximal-length sequence of period 127 (x^7 + x^6 + 1), 64 marked
// seconds out of 127. A periodic marker tells delays apart only modulo its
// period; a coded one can be matched at any delay (a whole-second shift
// agrees with the sequence on half of its marks, the right one on all).
inline bool MarkedSecond(std::uint64_t second)
{
	static const std::array<bool, 127> kSequence = [] {
		std::array<bool, 127> bits{};
		unsigned state = 0x7f;
		for (auto& bit : bits) {
			bit = state & 1u;
			const unsigned feedback = ((state >> 6) ^ (state >> 5)) & 1u;
			state = ((state << 1) | feedback) & 0x7fu;
		}
		return bits;
	}();
	return kSequence[second % kSequence.size()];
}

// Emission-to-arrival delays: each arrival is matched with the latest emission
// before it, at most `window` earlier. In milliseconds.
std::vector<double> MatchDelays(const std::vector<MarkerLog::TimePoint>& emitted,
	const std::vector<MarkerLog::TimePoint>& arrived, std::chrono::milliseconds window);

} // namespace plenum::bench
