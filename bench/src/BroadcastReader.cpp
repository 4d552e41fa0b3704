#include "BroadcastReader.hpp"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace plenum::bench {

namespace {

using mixer::GRef;

constexpr int kRate = 48000;
constexpr int kBlock = 480; // 10 ms

double Seconds(GstClockTime t)
{
	return GST_CLOCK_TIME_IS_VALID(t) ? double(t) / double(GST_SECOND) : NAN;
}

std::string Description(const std::string& uri, bool sync)
{
	const bool rtmp = uri.rfind("rtmp://", 0) == 0;
	// Queues deep enough for a whole segment, which hlsdemux pushes at
	// download speed; the paced sinks hold it back.
	const std::string queue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=8000000000";
	const std::string sinks = sync ? "sync=true" : "sync=false async=false";
	std::string source = rtmp ? "rtmp2src location=\"" + uri + "\" ! flvdemux name=demux"
				  : "souphttpsrc location=\"" + uri + "\" ! hlsdemux ! tsdemux name=demux";
	return source + " demux. ! " + queue + " ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420"
		" ! appsink name=video emit-signals=true " + sinks +
		" demux. ! " + queue + " ! aacparse ! avdec_aac ! audioconvert ! audioresample"
		" ! audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved"
		" ! appsink name=audio emit-signals=true " + sinks;
}

} // namespace

BroadcastReader::BroadcastReader(std::string name, const std::string& uri, Pacing pacing, int tileColumns, int tileRows)
	: name_(std::move(name)), pacing_(pacing), tileColumns_(std::max(1, tileColumns)), tileRows_(std::max(1, tileRows))
{
	const std::string description = Description(uri, pacing == Pacing::kPlayer);
	GError* rawError = nullptr;
	GstElement* parsed = gst_parse_launch(description.c_str(), &rawError);
	mixer::GErrorPtr error(rawError);
	pipeline_ = GRef<GstElement>::Sink(parsed);
	if (!pipeline_ || error)
		throw std::runtime_error("cannot build '" + description + "': " + (error ? error->message : "unknown"));
	audioSink_ = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "audio"));
	videoSink_ = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "video"));
	g_signal_connect(audioSink_.get(), "new-sample", G_CALLBACK(&BroadcastReader::OnAudioSample), this);
	g_signal_connect(videoSink_.get(), "new-sample", G_CALLBACK(&BroadcastReader::OnVideoSample), this);
	GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
	gst_bus_set_sync_handler(bus.get(), &BroadcastReader::OnBusMessage, this, nullptr);
	if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
		gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
		throw std::runtime_error(name_ + ": " + uri + " cannot start");
	}
}

BroadcastReader::~BroadcastReader()
{
	// NULL joins the streaming threads: no callback runs after this.
	gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
	g_signal_handlers_disconnect_by_data(audioSink_.get(), this);
	g_signal_handlers_disconnect_by_data(videoSink_.get(), this);
	GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
	gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
}

GstBusSyncReply BroadcastReader::OnBusMessage(GstBus*, GstMessage* message, gpointer data)
{
	auto& self = *static_cast<BroadcastReader*>(data);
	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		GError* rawError = nullptr;
		gchar* rawDebug = nullptr;
		gst_message_parse_error(message, &rawError, &rawDebug);
		mixer::GErrorPtr error(rawError);
		mixer::GCharPtr debug(rawDebug);
		self.Fail(std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + (error ? error->message : "error"));
	} else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
		self.Fail("end of stream");
	}
	// A sync handler that drops a message owns it (GstBusSyncHandler).
	gst_message_unref(message);
	return GST_BUS_DROP;
}

GstFlowReturn BroadcastReader::OnAudioSample(GstElement* sink, gpointer data)
{
	auto& self = *static_cast<BroadcastReader*>(data);
	const auto now = Clock::now();
	GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
	if (!sample)
		return GST_FLOW_OK;
	GstBuffer* buffer = gst_sample_get_buffer(sample.get());
	GstMapInfo map;
	if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ))
		return GST_FLOW_OK;
	const auto* samples = reinterpret_cast<const float*>(map.data);
	const int count = int(map.size / sizeof(float));
	const double pts = Seconds(GST_BUFFER_PTS(buffer));
	std::vector<MediaOnset> onsets;
	for (int start = 0; start + kBlock <= count; start += kBlock) {
		const double amplitude = ToneAmplitude(samples + start, kBlock, kMarkerHz, kRate);
		if (!self.audioOn_ && amplitude > kMarkerOnAmplitude) {
			self.audioOn_ = true;
			self.audioQuietBlocks_ = 0;
			// Decoded as it arrives: the buffer is here with its last sample,
			// as for the bots. Played: the sink hands it over when its first
			// sample is due.
			const auto offset = std::chrono::microseconds(std::int64_t(start) * 1000000 / kRate);
			const auto whole = std::chrono::microseconds(std::int64_t(count) * 1000000 / kRate);
			const auto arrival = self.pacing_ == Pacing::kPlayer ? now + offset : now - (whole - offset);
			onsets.push_back({arrival, pts + double(start) / kRate});
		} else if (self.audioOn_) {
			self.audioQuietBlocks_ = amplitude < kMarkerOffAmplitude ? self.audioQuietBlocks_ + 1 : 0;
			if (self.audioQuietBlocks_ >= kMarkerQuietBlocks)
				self.audioOn_ = false;
		}
	}
	gst_buffer_unmap(buffer, &map);
	self.audioBuffers_++;
	{
		std::lock_guard lock(self.mutex_);
		self.audioOnsets_.insert(self.audioOnsets_.end(), onsets.begin(), onsets.end());
	}
	self.changed_.notify_all();
	return GST_FLOW_OK;
}

GstFlowReturn BroadcastReader::OnVideoSample(GstElement* sink, gpointer data)
{
	auto& self = *static_cast<BroadcastReader*>(data);
	const auto now = Clock::now();
	GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
	if (!sample)
		return GST_FLOW_OK;
	GstVideoInfo info;
	GstVideoFrame frame;
	GstBuffer* buffer = gst_sample_get_buffer(sample.get());
	if (!buffer || !gst_video_info_from_caps(&info, gst_sample_get_caps(sample.get())) ||
		!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ))
		return GST_FLOW_OK;
	// The centre half of the marker's tile (the first in join order), as the bots look at it.
	const int tileW = GST_VIDEO_INFO_WIDTH(&info) / self.tileColumns_;
	const int tileH = GST_VIDEO_INFO_HEIGHT(&info) / self.tileRows_;
	const auto* y = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
	const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
	std::uint64_t sum = 0, n = 0;
	for (int row = tileH / 4; row < tileH * 3 / 4; row += 2)
		for (int col = tileW / 4; col < tileW * 3 / 4; col += 2) {
			sum += y[row * stride + col];
			++n;
		}
	gst_video_frame_unmap(&frame);
	const bool white = n && sum / n > 128;
	const bool onset = white && !self.videoWhite_;
	self.videoWhite_ = white;
	self.videoFrames_++;
	{
		std::lock_guard lock(self.mutex_);
		if (onset)
			self.videoOnsets_.push_back({now, Seconds(GST_BUFFER_PTS(buffer))});
	}
	self.changed_.notify_all();
	return GST_FLOW_OK;
}

bool BroadcastReader::WaitFirstMedia(bool video, std::chrono::milliseconds timeout)
{
	std::unique_lock lock(mutex_);
	changed_.wait_for(lock, timeout,
		[&] { return !error_.empty() || (audioBuffers_ > 0 && (!video || videoFrames_ > 0)); });
	return error_.empty() && audioBuffers_ > 0 && (!video || videoFrames_ > 0);
}

std::vector<MediaOnset> BroadcastReader::AudioOnsets()
{
	std::lock_guard lock(mutex_);
	return audioOnsets_;
}

std::vector<MediaOnset> BroadcastReader::VideoOnsets()
{
	std::lock_guard lock(mutex_);
	return videoOnsets_;
}

std::string BroadcastReader::Error()
{
	std::lock_guard lock(mutex_);
	return error_;
}

void BroadcastReader::Fail(const std::string& what)
{
	{
		std::lock_guard lock(mutex_);
		if (error_.empty())
			error_ = what;
	}
	changed_.notify_all();
}

CodedMatch MatchCodedDelays(const std::vector<MarkerLog::TimePoint>& emitted, const std::vector<MediaOnset>& onsets,
	std::chrono::milliseconds tolerance)
{
	CodedMatch match;
	match.onsets = onsets.size();
	if (emitted.empty() || onsets.empty())
		return match;
	const auto origin = emitted.front();
	std::vector<double> emissions; // seconds after the first
	for (const auto& e : emitted)
		emissions.push_back(std::chrono::duration<double>(e - origin).count());
	const double limit = std::chrono::duration<double>(tolerance).count();
	// The emission within `limit` of `t`, if any (at most one: they are a second apart).
	auto nearest = [&](double t) -> std::ptrdiff_t {
		const auto it = std::lower_bound(emissions.begin(), emissions.end(), t - limit);
		return it != emissions.end() && *it <= t + limit ? it - emissions.begin() : -1;
	};
	// Every (onset, emission) pair proposes a shift from media time to the
	// emissions' time; keep the one most onsets agree with, then the one
	// with the smallest residuals.
	double bestShift = 0.0;
	std::size_t bestCount = 0;
	double bestResidual = std::numeric_limits<double>::infinity();
	for (const auto& onset : onsets) {
		if (std::isnan(onset.mediaSeconds))
			continue;
		for (double e : emissions) {
			const double shift = e - onset.mediaSeconds;
			std::size_t count = 0;
			double residual = 0.0;
			for (const auto& other : onsets) {
				const auto k = nearest(other.mediaSeconds + shift);
				if (k >= 0) {
					++count;
					residual += std::pow(other.mediaSeconds + shift - emissions[std::size_t(k)], 2.0);
				}
			}
			if (count > bestCount || (count == bestCount && residual < bestResidual)) {
				bestCount = count;
				bestResidual = residual;
				bestShift = shift;
			}
		}
	}
	const bool debug = std::getenv("BENCH_DEBUG_BROADCAST") != nullptr;
	for (const auto& onset : onsets) {
		const auto k = nearest(onset.mediaSeconds + bestShift);
		if (debug) {
			const double at = onset.mediaSeconds + bestShift;
			const auto after = std::lower_bound(emissions.begin(), emissions.end(), at);
			std::fprintf(stderr, "broadcast onset media %.3f s -> %.3f s: %s (emissions around: %.3f %.3f)\n", onset.mediaSeconds, at,
				k >= 0 ? "matched" : "unmatched", after != emissions.begin() ? *(after - 1) : NAN, after != emissions.end() ? *after : NAN);
		}
		if (k < 0)
			continue;
		++match.matched;
		match.delaysMs.push_back(std::chrono::duration<double, std::milli>(onset.arrival - emitted[std::size_t(k)]).count());
	}
	return match;
}

} // namespace plenum::bench
