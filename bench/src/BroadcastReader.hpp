#pragma once

#include "Bot.hpp"
#include "MarkerLog.hpp"

#include "mixer/GRef.hpp"

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace plenum::bench {

// A marker seen in a broadcast: when it was decoded (or shown) here, and
// where it sits on the stream's own timeline (seconds).
struct MediaOnset {
	Clock::time_point arrival;
	double mediaSeconds = 0.0;
};

// Watches a room's broadcast as a viewer would, in a pipeline of its own:
// RTMP (rtmp2src ! flvdemux) or HLS (souphttpsrc ! hlsdemux ! tsdemux), both
// decoded (avdec_h264, avdec_aac), and times the marker bot's burst and
// white tile in what it decodes.
//
// kArrival hands every frame over as soon as it is decoded (sinks without
// sync): the delay the server, the transport and the segmenting add, with
// no player buffer. kPlayer plays at the stream's pace from wherever the
// demuxer starts (hlsdemux, like hls.js by default, three segments behind
// the live edge): the delay a viewer of the watch page sees.
class BroadcastReader {
public:
	enum class Pacing { kArrival, kPlayer };

	// `tileColumns` x `tileRows`: the composite's grid, the marker in its
	// first tile. Throws when the pipeline cannot be built or started.
	BroadcastReader(std::string name, const std::string& uri, Pacing pacing, int tileColumns, int tileRows);
	~BroadcastReader();
	BroadcastReader(const BroadcastReader&) = delete;
	BroadcastReader& operator=(const BroadcastReader&) = delete;

	const std::string& Name() const { return name_; }
	Pacing GetPacing() const { return pacing_; }
	// Waits for decoded audio (and video, if asked) or an error.
	bool WaitFirstMedia(bool video, std::chrono::milliseconds timeout);
	std::vector<MediaOnset> AudioOnsets();
	std::vector<MediaOnset> VideoOnsets();
	std::uint64_t AudioBuffers() const { return audioBuffers_; }
	std::uint64_t VideoFrames() const { return videoFrames_; }
	std::string Error();

private:
	static GstBusSyncReply OnBusMessage(GstBus*, GstMessage* message, gpointer self);
	static GstFlowReturn OnAudioSample(GstElement* sink, gpointer self);
	static GstFlowReturn OnVideoSample(GstElement* sink, gpointer self);
	void Fail(const std::string& what);

	// Owned.
	const std::string name_;
	const Pacing pacing_;
	const int tileColumns_;
	const int tileRows_;
	mixer::GRef<GstElement> pipeline_;
	mixer::GRef<GstElement> audioSink_;
	mixer::GRef<GstElement> videoSink_;

	// Others.
	std::atomic<std::uint64_t> audioBuffers_{0};
	std::atomic<std::uint64_t> videoFrames_{0};
	std::mutex mutex_;
	std::condition_variable changed_;
	std::vector<MediaOnset> audioOnsets_;
	std::vector<MediaOnset> videoOnsets_;
	std::string error_;
	// Streaming-thread state of the detectors.
	bool audioOn_ = false;
	int audioQuietBlocks_ = 0;
	bool videoWhite_ = false;
};

// Delays of a coded marker (MarkedSecond) behind a broadcast, which may be
// many marker periods: the onsets' media times keep their emissions'
// spacing, so they are first aligned with the emissions (the one shift that
// puts the most onsets within `tolerance` of an emission), then each aligned
// onset's delay is its arrival minus its emission. In milliseconds.
struct CodedMatch {
	std::vector<double> delaysMs;
	std::size_t onsets = 0;
	std::size_t matched = 0;
};
CodedMatch MatchCodedDelays(const std::vector<MarkerLog::TimePoint>& emitted, const std::vector<MediaOnset>& onsets,
	std::chrono::milliseconds tolerance);

} // namespace plenum::bench
