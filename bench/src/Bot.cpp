#include "Bot.hpp"

#include "common/IceRestriction.hpp"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace plenum::bench {

namespace {

constexpr int kOpusPt = 111;
constexpr int kVp8Pt = 96;
constexpr int kRate = 48000;
constexpr int kFrameSamples = 960; // 20 ms
constexpr int kMarkerPeriodFrames = 50; // one burst a second
constexpr int kMarkerBurstFrames = 5;   // 100 ms long
constexpr double kMarkerAmplitude = 0.3;

GstElement* ParseBin(const std::string& description, const std::string& name)
{
	GError* error = nullptr;
	GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, &error);
	if (!bin || error) {
		std::string message = error ? error->message : "unknown";
		if (error)
			g_error_free(error);
		throw std::runtime_error("cannot build '" + description + "': " + message);
	}
	gst_object_set_name(GST_OBJECT(bin), name.c_str());
	return bin;
}

} // namespace

std::vector<double> MatchDelays(const std::vector<MarkerLog::TimePoint>& emitted,
	const std::vector<MarkerLog::TimePoint>& arrived, std::chrono::milliseconds window)
{
	std::vector<double> delays;
	for (const auto& a : arrived) {
		auto it = std::upper_bound(emitted.begin(), emitted.end(), a);
		if (it == emitted.begin())
			continue;
		--it;
		const auto delay = a - *it;
		if (delay <= window)
			delays.push_back(std::chrono::duration<double, std::milli>(delay).count());
	}
	return delays;
}

Bot::Bot(BotOptions options, MarkerLog& markers) : markers_(markers), options_(std::move(options))
{
	noiseState_ = 0x9E3779B9u ^ static_cast<std::uint32_t>(std::hash<std::string>{}(options_.name));
	pipeline_ = gst_pipeline_new(("bot-" + options_.name).c_str());
	gst_object_ref_sink(pipeline_);
	webrtc_ = gst_element_factory_make("webrtcbin", ("webrtc-" + options_.name).c_str());
	if (!webrtc_)
		throw std::runtime_error("no webrtcbin");
	gst_object_ref_sink(webrtc_);
	g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
		static_cast<guint>(options_.jitterLatencyMs), nullptr);
	gst_bin_add(GST_BIN(pipeline_), webrtc_);
	// Host candidates on the bot's one address, over UDP, and no UPnP.
	if (!plenum::common::RestrictIce(webrtc_, {{options_.iceAddress}, true}).empty())
		throw std::runtime_error("NiceAgent refused local address '" + options_.iceAddress + "'");
	g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&Bot::OnPadAdded), this);
	g_signal_connect(webrtc_, "on-ice-candidate", G_CALLBACK(&Bot::OnIceCandidate), this);
	g_signal_connect(webrtc_, "notify::ice-gathering-state", G_CALLBACK(&Bot::OnGatheringNotify), this);
	g_signal_connect(webrtc_, "notify::connection-state", G_CALLBACK(&Bot::OnConnectionNotify), this);
	BuildSend();
	if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		throw std::runtime_error("bot pipeline refused PLAYING");
}

Bot::~Bot()
{
	closing_ = true;
	gst_element_set_state(pipeline_, GST_STATE_NULL);
	g_signal_handlers_disconnect_by_data(webrtc_, this);
	if (audioSrc_)
		gst_object_unref(audioSrc_);
	gst_object_unref(webrtc_);
	gst_object_unref(pipeline_);
}

void Bot::BuildSend()
{
	auto link = [&](GstElement* bin) {
		gst_bin_add(GST_BIN(pipeline_), bin);
		GstPad* src = gst_element_get_static_pad(bin, "src");
		GstPad* sink = gst_element_request_pad_simple(webrtc_, "sink_%u");
		const bool ok = src && sink && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
		if (src)
			gst_object_unref(src);
		if (sink)
			gst_object_unref(sink);
		if (!ok)
			throw std::runtime_error("cannot link a send branch");
	};

	GstElement* audio = ParseBin(
		"appsrc name=asrc is-live=true do-timestamp=true format=time block=false max-bytes=192000"
		" caps=audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"
		" ! opusenc bitrate=32000 frame-size=20 ! rtpopuspay pt=111"
		" ! capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,encoding-params=(string)2\"",
		"audio-send-" + options_.name);
	audioSrc_ = gst_bin_get_by_name(GST_BIN(audio), "asrc");
	link(audio);

	if (options_.sendVideo) {
		char description[768];
		std::snprintf(description, sizeof description,
			"videotestsrc name=vsrc is-live=true pattern=%s ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1"
			" ! vp8enc deadline=1 cpu-used=16 threads=1 target-bitrate=600000 keyframe-max-dist=60 error-resilient=1"
			" ! rtpvp8pay pt=%d ! capsfilter caps=\"application/x-rtp,media=video,encoding-name=VP8,payload=%d\"",
			options_.videoMarker ? "black" : "ball", options_.width, options_.height, options_.framerate, kVp8Pt, kVp8Pt);
		GstElement* video = ParseBin(description, "video-send-" + options_.name);
		if (options_.videoMarker) {
			GstElement* source = gst_bin_get_by_name(GST_BIN(video), "vsrc");
			GstPad* pad = gst_element_get_static_pad(source, "src");
			gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Bot::PaintMarker, this, nullptr);
			gst_object_unref(pad);
			gst_object_unref(source);
		}
		link(video);
	} else if (options_.receiveVideo) {
		GstCaps* caps = gst_caps_from_string("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
		GstWebRTCRTPTransceiver* transceiver = nullptr;
		g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &transceiver);
		gst_caps_unref(caps);
		if (!transceiver)
			throw std::runtime_error("no receive-only video transceiver");
		gst_object_unref(transceiver);
	}
}

void Bot::PushAudioFrame(std::uint64_t frameIndex, Clock::time_point now)
{
	GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kFrameSamples * 2, nullptr);
	GstMapInfo map;
	gst_buffer_map(buffer, &map, GST_MAP_WRITE);
	auto* out = reinterpret_cast<std::int16_t*>(map.data);
	const std::uint64_t first = frameIndex * kFrameSamples;
	switch (options_.audio) {
	case AudioSignal::kSilence:
		std::fill(out, out + kFrameSamples, 0);
		break;
	case AudioSignal::kTone:
		for (int i = 0; i < kFrameSamples; ++i)
			out[i] = static_cast<std::int16_t>(3000.0 * std::sin(2.0 * M_PI * options_.toneHz * double(first + i) / kRate));
		break;
	case AudioSignal::kNoise:
		// Low-passed noise under a 4 Hz syllable envelope: roughly speech's
		// spectrum and rhythm, and little energy near the 3 kHz marker.
		for (int i = 0; i < kFrameSamples; ++i) {
			noiseState_ = noiseState_ * 1664525u + 1013904223u;
			const double white = (double(noiseState_ >> 8) / double(1u << 24)) * 2.0 - 1.0;
			noiseLow_ += 0.06 * (white - noiseLow_);
			const double envelope = std::pow(std::sin(M_PI * 4.0 * double(first + i) / kRate), 2.0);
			out[i] = static_cast<std::int16_t>(std::clamp(30000.0 * noiseLow_ * envelope, -32000.0, 32000.0));
		}
		break;
	case AudioSignal::kMarker: {
		const bool marked = !options_.codedMarker || MarkedSecond(frameIndex / kMarkerPeriodFrames);
		const bool burst = marked && (frameIndex % kMarkerPeriodFrames) < kMarkerBurstFrames;
		for (int i = 0; i < kFrameSamples; ++i)
			out[i] = burst ? static_cast<std::int16_t>(32767.0 * kMarkerAmplitude *
						 std::sin(2.0 * M_PI * kMarkerHz * double(first + i) / kRate))
				       : 0;
		// A capture device hands over 20 ms when its last sample is in: the
		// burst's first sample was "spoken" one frame before this push.
		if (marked && frameIndex % kMarkerPeriodFrames == 0)
			markers_.AddAudio(now - std::chrono::milliseconds(20));
		break;
	}
	}
	gst_buffer_unmap(buffer, &map);
	GstFlowReturn ret;
	g_signal_emit_by_name(audioSrc_, "push-buffer", buffer, &ret);
	gst_buffer_unref(buffer);
}

GstPadProbeReturn Bot::PaintMarker(GstPad*, GstPadProbeInfo* info, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	const auto now = Clock::now();
	const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - self.markerStart_).count();
	const bool marked = !self.options_.codedMarker || MarkedSecond(std::uint64_t(elapsed / 1000));
	const bool white = marked && elapsed % 1000 < 500;
	GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	GstMapInfo map;
	if (gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
		const std::size_t luma = std::size_t(self.options_.width) * self.options_.height;
		std::fill(map.data, map.data + std::min(luma, map.size), white ? 235 : 16);
		gst_buffer_unmap(buffer, &map);
	}
	if (white && !self.markerWhite_)
		self.markers_.AddVideo(now);
	self.markerWhite_ = white;
	return GST_PAD_PROBE_OK;
}

void Bot::OnPadAdded(GstElement*, GstPad* pad, gpointer data)
{
	static_cast<Bot*>(data)->HandlePad(pad);
}

void Bot::HandlePad(GstPad* pad)
{
	if (closing_ || GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
		return;
	GstCaps* caps = gst_pad_get_current_caps(pad);
	if (!caps)
		caps = gst_pad_query_caps(pad, nullptr);
	std::string encoding;
	if (caps && !gst_caps_is_empty(caps)) {
		const char* name = gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
		encoding = name ? name : "";
	}
	if (caps)
		gst_caps_unref(caps);

	const bool audio = encoding == "OPUS";
	const bool video = encoding == "VP8";
	std::string description = "fakesink sync=false async=false";
	if (audio)
		description = "rtpopusdepay ! opusdec plc=true ! audioconvert ! audioresample"
			      " ! audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved"
			      " ! appsink name=sink sync=false async=false emit-signals=true";
	else if (video && options_.decodeVideo)
		description = "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec threads=1 ! video/x-raw,format=I420"
			      " ! appsink name=sink sync=false async=false emit-signals=true max-buffers=2 drop=true";
	try {
		GstElement* bin = ParseBin(description, std::string(audio ? "a" : "v") + "-recv-" + options_.name);
		gst_bin_add(GST_BIN(pipeline_), bin);
		if (audio || (video && options_.decodeVideo)) {
			GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "sink");
			g_signal_connect(sink, "new-sample", G_CALLBACK(audio ? &Bot::OnAudioSample : &Bot::OnVideoSample), this);
			gst_object_unref(sink);
		}
		if (audio || video)
			gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
				&Bot::CountRtp, this, nullptr);
		gst_element_sync_state_with_parent(bin);
		GstPad* sinkPad = gst_element_get_static_pad(bin, "sink");
		if (gst_pad_link(pad, sinkPad) != GST_PAD_LINK_OK)
			Fail("cannot link received " + encoding);
		gst_object_unref(sinkPad);
	} catch (const std::exception& e) {
		Fail(e.what());
	}
}

GstPadProbeReturn Bot::CountRtp(GstPad* pad, GstPadProbeInfo* info, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	GstCaps* caps = gst_pad_get_current_caps(pad);
	bool audio = false;
	if (caps) {
		const char* media = gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
		audio = media && std::string(media) == "audio";
		gst_caps_unref(caps);
	}
	auto count = [&](GstBuffer* buffer) {
		if (audio) {
			self.audioPackets_++;
			return;
		}
		GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
		if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
			if (gst_rtp_buffer_get_marker(&rtp))
				self.videoFrames_++;
			gst_rtp_buffer_unmap(&rtp);
		}
	};
	if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
		GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
		for (guint i = 0; i < gst_buffer_list_length(list); ++i)
			count(gst_buffer_list_get(list, i));
	} else {
		count(GST_PAD_PROBE_INFO_BUFFER(info));
	}
	return GST_PAD_PROBE_OK;
}

GstFlowReturn Bot::OnAudioSample(GstElement* sink, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	const auto now = Clock::now();
	GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
	if (!sample)
		return GST_FLOW_OK;
	GstBuffer* buffer = gst_sample_get_buffer(sample);
	GstMapInfo map;
	if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
		const auto* samples = reinterpret_cast<const float*>(map.data);
		const int count = int(map.size / sizeof(float));
		constexpr int kBlock = 480; // 10 ms
		std::optional<Clock::time_point> onset;
		for (int start = 0; start + kBlock <= count; start += kBlock) {
			const double amplitude = ToneAmplitude(samples + start, kBlock, kMarkerHz, kRate);
			if (std::getenv("BENCH_DEBUG_AUDIO"))
				std::fprintf(stderr, "%s amp %.3f\n", self.options_.name.c_str(), amplitude);
			if (!self.audioOn_ && amplitude > kMarkerOnAmplitude) {
				self.audioOn_ = true;
				self.audioQuietBlocks_ = 0;
				// The buffer arrives with its last sample; the onset block began earlier.
				onset = now - std::chrono::microseconds(std::int64_t(count - start) * 1000000 / kRate);
			} else if (self.audioOn_) {
				self.audioQuietBlocks_ = amplitude < kMarkerOffAmplitude ? self.audioQuietBlocks_ + 1 : 0;
				if (self.audioQuietBlocks_ >= kMarkerQuietBlocks)
					self.audioOn_ = false;
			}
		}
		gst_buffer_unmap(buffer, &map);
		std::lock_guard lock(self.mutex_);
		if (!self.firstAudio_)
			self.firstAudio_ = now;
		if (onset)
			self.audioOnsets_.push_back(*onset);
	}
	self.audioDecoded_++;
	gst_sample_unref(sample);
	self.changed_.notify_all();
	return GST_FLOW_OK;
}

GstFlowReturn Bot::OnVideoSample(GstElement* sink, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	const auto now = Clock::now();
	GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
	if (!sample)
		return GST_FLOW_OK;
	GstVideoInfo info;
	GstVideoFrame frame;
	bool onset = false;
	if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
		gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
		// The centre half of the marker's tile (the first in join order).
		const int tileW = GST_VIDEO_INFO_WIDTH(&info) / std::max(1, self.options_.tileColumns);
		const int tileH = GST_VIDEO_INFO_HEIGHT(&info) / std::max(1, self.options_.tileRows);
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
		onset = white && !self.videoWhite_;
		self.videoWhite_ = white;
	}
	gst_sample_unref(sample);
	self.videoDecoded_++;
	{
		std::lock_guard lock(self.mutex_);
		if (!self.firstVideo_)
			self.firstVideo_ = now;
		if (onset)
			self.videoOnsets_.push_back(now);
	}
	self.changed_.notify_all();
	return GST_FLOW_OK;
}

void Bot::CreateOffer()
{
	// The offer carries the send streams' caps (a=ssrc, Opus channels) only
	// once a buffer has gone through the payloader; Janus drops RTP from an
	// SSRC its SDP did not announce. The pacer pushes every 20 ms.
	GstPad* audioSink = gst_element_get_static_pad(webrtc_, "sink_0");
	const auto deadline = Clock::now() + std::chrono::seconds(2);
	while (audioSink && Clock::now() < deadline) {
		GstCaps* caps = gst_pad_get_current_caps(audioSink);
		if (caps) {
			gst_caps_unref(caps);
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	if (audioSink)
		gst_object_unref(audioSink);
	GstPromise* promise = gst_promise_new_with_change_func(
		[](GstPromise* p, gpointer data) { static_cast<Bot*>(data)->DescriptionCreated(p, "offer"); }, this, nullptr);
	g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
}

void Bot::DescriptionCreated(GstPromise* promise, const char* type)
{
	if (closing_) {
		gst_promise_unref(promise);
		return;
	}
	const GstStructure* reply = gst_promise_get_reply(promise);
	GstWebRTCSessionDescription* description = nullptr;
	if (reply)
		gst_structure_get(reply, type, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
	gst_promise_unref(promise);
	if (!description) {
		Fail(std::string("create-") + type + " failed");
		return;
	}
	g_signal_emit_by_name(webrtc_, "set-local-description", description, nullptr);
	gchar* text = gst_sdp_message_as_text(description->sdp);
	const std::string sdp = text;
	g_free(text);
	gst_webrtc_session_description_free(description);
	if (onLocalDescription)
		onLocalDescription(type, sdp);
}

void Bot::SetRemote(const std::string& type, const std::string& sdp)
{
	GstSDPMessage* message = nullptr;
	gst_sdp_message_new_from_text(sdp.c_str(), &message);
	if (!message) {
		Fail("unparsable remote SDP");
		return;
	}
	const bool offer = type == "offer";
	GstWebRTCSessionDescription* description =
		gst_webrtc_session_description_new(offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, message);
	GstPromise* promise = nullptr;
	if (offer)
		promise = gst_promise_new_with_change_func(
			[](GstPromise* p, gpointer data) {
				auto& self = *static_cast<Bot*>(data);
				gst_promise_unref(p);
				if (self.closing_)
					return;
				GstPromise* answer = gst_promise_new_with_change_func(
					[](GstPromise* q, gpointer d) { static_cast<Bot*>(d)->DescriptionCreated(q, "answer"); }, &self, nullptr);
				g_signal_emit_by_name(self.webrtc_, "create-answer", nullptr, answer);
			},
			this, nullptr);
	g_signal_emit_by_name(webrtc_, "set-remote-description", description, promise);
	gst_webrtc_session_description_free(description);
}

void Bot::AddCandidate(unsigned mline, const std::string& candidate)
{
	if (candidate.empty())
		return;
	g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
}

void Bot::OnIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	if (!self.closing_ && self.onLocalCandidate)
		self.onLocalCandidate(mline, candidate ? candidate : "");
}

void Bot::OnGatheringNotify(GObject*, GParamSpec*, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	GstWebRTCICEGatheringState state;
	g_object_get(self.webrtc_, "ice-gathering-state", &state, nullptr);
	if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) {
		std::lock_guard lock(self.mutex_);
		self.gatheringComplete_ = true;
	}
	self.changed_.notify_all();
}

void Bot::OnConnectionNotify(GObject*, GParamSpec*, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	GstWebRTCPeerConnectionState state;
	g_object_get(self.webrtc_, "connection-state", &state, nullptr);
	{
		std::lock_guard lock(self.mutex_);
		if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
			self.connected_ = true;
		if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED && self.error_.empty())
			self.error_ = "peer connection failed";
	}
	self.changed_.notify_all();
}

bool Bot::WaitGatheringComplete(std::chrono::milliseconds timeout)
{
	std::unique_lock lock(mutex_);
	return changed_.wait_for(lock, timeout, [&] { return gatheringComplete_ || !error_.empty(); }) && gatheringComplete_;
}

std::string Bot::LocalSdp()
{
	GstWebRTCSessionDescription* description = nullptr;
	g_object_get(webrtc_, "local-description", &description, nullptr);
	if (!description)
		return {};
	gchar* text = gst_sdp_message_as_text(description->sdp);
	std::string sdp = text;
	g_free(text);
	gst_webrtc_session_description_free(description);
	return sdp;
}

bool Bot::WaitFirstMedia(bool video, std::chrono::milliseconds timeout)
{
	std::unique_lock lock(mutex_);
	return changed_.wait_for(lock, timeout, [&] { return (firstAudio_ && (!video || firstVideo_)) || !error_.empty(); }) &&
		error_.empty();
}

std::optional<Clock::time_point> Bot::FirstAudio()
{
	std::lock_guard lock(mutex_);
	return firstAudio_;
}

std::optional<Clock::time_point> Bot::FirstVideo()
{
	std::lock_guard lock(mutex_);
	return firstVideo_;
}

Bot::Counters Bot::Snapshot() const
{
	return {audioPackets_.load(), videoFrames_.load(), audioDecoded_.load(), videoDecoded_.load()};
}

std::vector<Clock::time_point> Bot::AudioOnsets()
{
	std::lock_guard lock(mutex_);
	return audioOnsets_;
}

std::vector<Clock::time_point> Bot::VideoOnsets()
{
	std::lock_guard lock(mutex_);
	return videoOnsets_;
}

std::string Bot::Error()
{
	std::lock_guard lock(mutex_);
	return error_;
}

bool Bot::Connected()
{
	std::lock_guard lock(mutex_);
	return connected_;
}

void Bot::Fail(const std::string& what)
{
	{
		std::lock_guard lock(mutex_);
		if (error_.empty())
			error_ = what;
	}
	changed_.notify_all();
}

} // namespace plenum::bench
