#pragma once

#include <chrono>
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

// Emission-to-arrival delays: each arrival is matched with the latest emission
// before it, at most `window` earlier. In milliseconds.
std::vector<double> MatchDelays(const std::vector<MarkerLog::TimePoint>& emitted,
	const std::vector<MarkerLog::TimePoint>& arrived, std::chrono::milliseconds window);

} // namespace plenum::bench
