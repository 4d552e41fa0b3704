#include "Bot.hpp"

#include "VoiceLoop.hpp"

#include "common/IceRestriction.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/rtp/gstrtphdrext.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace plenum::bench {

namespace {

constexpr int kOpusPt = 111;
constexpr int kVp8Pt = 96;
constexpr int kRate = 48000;
constexpr int kFrameSamples = 960; // 20 ms
constexpr int kMarkerPeriodFrames = 50; // one burst a second
constexpr int kMarkerBurstFrames = 5;   // 100 ms long
constexpr double kMarkerAmplitude = 0.3;
constexpr double kMarkerSpeechGain = 2.0; // +6 dB: the marker is the room's main voice
constexpr unsigned kAudioLevelExtensionId = 1;
constexpr const char* kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr double kGoldenFraction = 0.6180339887498949;

std::uint32_t Hash(const std::string& text)
{
	return static_cast<std::uint32_t>(std::hash<std::string>{}(text));
}

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

Bot::Bot(BotOptions options, MarkerLog& markers)
	: markers_(markers), options_(std::move(options)),
	  voice_(Hash(options_.name), Hash(options_.name + "/syllable"), SpeechNoise::kGain * kMarkerSpeechGain)
{
	// Talkers start far apart in the loop (golden-ratio steps in join
	// order), so that no two say the same thing at the same time, and
	// their syllables are not in step, as people's are not.
	if (Replays()) {
		const auto frames = double(VoiceLoop::Speech().Size());
		loopOffset_ = std::uint64_t(std::fmod(double(options_.index) * kGoldenFraction, 1.0) * frames);
	}
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
	if (audioSink_) {
		g_signal_handlers_disconnect_by_data(audioSink_, this);
		gst_object_unref(audioSink_);
	}
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

	// A replaying bot pushes Opus frames with their levels in a
	// GstAudioLevelMeta; a live one has the level element put it there. The
	// payloader's audio-level extension writes it into the packet.
	const std::string source = Replays()
		? "appsrc name=asrc is-live=true do-timestamp=true format=time block=false max-bytes=64000"
		  " caps=audio/x-opus,rate=48000,channels=1,channel-mapping-family=0"
		: std::string("appsrc name=asrc is-live=true do-timestamp=true format=time block=false max-bytes=192000"
			      " caps=audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved") +
			(options_.sendAudioLevel ? " ! level name=alevel audio-level-meta=true post-messages=false" : "") +
			" ! opusenc bitrate=32000 frame-size=20";
	GstElement* audio = ParseBin(source + " ! rtpopuspay name=apay pt=111"
		" ! capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,encoding-params=(string)2\"",
		"audio-send-" + options_.name);
	audioSrc_ = gst_bin_get_by_name(GST_BIN(audio), "asrc");
	if (options_.sendAudioLevel)
		AddAudioLevelExtension(audio);
	link(audio);
	// The offer is made from this pad's caps (CreateOffer waits for them).
	audioSink_ = gst_element_get_static_pad(webrtc_, "sink_0");
	if (!audioSink_)
		throw std::runtime_error("webrtcbin has no audio sink pad");
	g_signal_connect(audioSink_, "notify::caps", G_CALLBACK(&Bot::OnAudioCapsNotify), this);
	OnAudioCapsNotify(G_OBJECT(audioSink_), nullptr, this); // in case they are there already

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

// The payloader writes the extension into every packet and names it in its
// caps, from which webrtcbin's offer gets its a=extmap.
void Bot::AddAudioLevelExtension(GstElement* audioBin)
{
	// GStreamer 1.22's level element does not clamp: digital silence comes
	// out as about 700 dB down, which the extension writes modulo 128 (59,
	// a voice to a server). RFC 6464 says silence MUST be 127, as browsers
	// send it.
	GstElement* level = gst_bin_get_by_name(GST_BIN(audioBin), "alevel");
	if (level) {
		GstPad* pad = gst_element_get_static_pad(level, "src");
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Bot::FixAudioLevel, nullptr, nullptr);
		gst_object_unref(pad);
		gst_object_unref(level);
	}

	GstElement* payloader = gst_bin_get_by_name(GST_BIN(audioBin), "apay");
	GstRTPHeaderExtension* extension = gst_rtp_header_extension_create_from_uri(kAudioLevelUri);
	const bool ok = payloader && extension;
	if (ok) {
		gst_rtp_header_extension_set_id(extension, kAudioLevelExtensionId);
		g_signal_emit_by_name(payloader, "add-extension", extension);
	}
	if (extension)
		gst_object_unref(extension);
	if (payloader)
		gst_object_unref(payloader);
	if (!ok)
		throw std::runtime_error("no RFC 6464 audio-level extension (rtphdrextclientaudiolevel)");
}

// webrtcbin offers what its sink pad's caps say: the send stream's SSRC and,
// once the payloader has negotiated, the audio-level extension. Its "caps"
// notify comes once it has stored them (a probe upstream would see them
// too early).
void Bot::OnAudioCapsNotify(GObject* pad, GParamSpec*, gpointer data)
{
	auto& self = *static_cast<Bot*>(data);
	GstCaps* caps = gst_pad_get_current_caps(GST_PAD(pad));
	const bool ready = caps && !gst_caps_is_empty(caps) &&
		(!self.options_.sendAudioLevel ||
			gst_structure_has_field(gst_caps_get_structure(caps, 0), ("extmap-" + std::to_string(kAudioLevelExtensionId)).c_str()));
	if (caps)
		gst_caps_unref(caps);
	if (!ready)
		return;
	{
		std::lock_guard lock(self.mutex_);
		self.audioCapsReady_ = true;
	}
	self.changed_.notify_all();
}

void Bot::PushAudioFrame(std::uint64_t frameIndex, Clock::time_point now)
{
	// gst_app_src_push_buffer takes the buffer (the "push-buffer" signal,
	// a lookup and a marshalled call per frame and bot, does not).
	if (Replays()) {
		const auto& loop = options_.audio == AudioSignal::kSilence ? VoiceLoop::Silence() : VoiceLoop::Speech();
		const VoiceLoop::Frame& frame = loop.At(frameIndex + loopOffset_);
		GstBuffer* encoded = gst_buffer_new_memdup(frame.opus.data(), frame.opus.size());
		GST_BUFFER_DURATION(encoded) = 20 * GST_MSECOND;
		if (options_.sendAudioLevel)
			gst_buffer_add_audio_level_meta(encoded, frame.level, frame.level < 127);
		gst_app_src_push_buffer(GST_APP_SRC(audioSrc_), encoded);
		return;
	}
	GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kFrameSamples * 2, nullptr);
	GstMapInfo map;
	gst_buffer_map(buffer, &map, GST_MAP_WRITE);
	auto* out = reinterpret_cast<std::int16_t*>(map.data);
	const std::uint64_t first = frameIndex * kFrameSamples;
	switch (options_.audio) {
	case AudioSignal::kSilence:
	case AudioSignal::kNoise: // replayed, above
		std::fill(out, out + kFrameSamples, 0);
		break;
	case AudioSignal::kTone:
		for (int i = 0; i < kFrameSamples; ++i)
			out[i] = static_cast<std::int16_t>(3000.0 * std::sin(2.0 * M_PI * options_.toneHz * double(first + i) / kRate));
		break;
	case AudioSignal::kMarker: {
		// The marker talks all the time, louder than the others, so that a
		// server that mixes only the loudest few (the native engine) keeps
		// it selected; the burst rides on its voice.
		voice_.Fill(out, kFrameSamples, first);
		const bool marked = !options_.codedMarker || MarkedSecond(frameIndex / kMarkerPeriodFrames);
		const bool burst = marked && (frameIndex % kMarkerPeriodFrames) < kMarkerBurstFrames;
		for (int i = 0; burst && i < kFrameSamples; ++i)
			out[i] = static_cast<std::int16_t>(std::clamp(double(out[i]) + 32767.0 * kMarkerAmplitude *
					std::sin(2.0 * M_PI * kMarkerHz * double(first + i) / kRate), -32767.0, 32767.0));
		// A capture device hands over 20 ms when its last sample is in: the
		// burst's first sample was "spoken" one frame before this push.
		if (marked && frameIndex % kMarkerPeriodFrames == 0)
			markers_.AddAudio(now - std::chrono::milliseconds(20));
		break;
	}
	}
	gst_buffer_unmap(buffer, &map);
	gst_app_src_push_buffer(GST_APP_SRC(audioSrc_), buffer);
}

// Silence as 127 (see AddAudioLevelExtension), and the V bit set on
// anything louder, as a replayed frame has it (the level element leaves it
// unset).
GstPadProbeReturn Bot::FixAudioLevel(GstPad*, GstPadProbeInfo* info, gpointer)
{
	if (!gst_buffer_get_audio_level_meta(GST_PAD_PROBE_INFO_BUFFER(info)))
		return GST_PAD_PROBE_OK;
	GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	GstAudioLevelMeta* meta = gst_buffer_get_audio_level_meta(buffer);
	meta->level = std::min<guint8>(meta->level, 127);
	meta->voice_activity = meta->level < 127;
	return GST_PAD_PROBE_OK;
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
	if (audio && options_.decodeAudio)
		description = "rtpopusdepay ! opusdec plc=true ! audioconvert ! audioresample"
			      " ! audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved"
			      " ! appsink name=sink sync=false async=false emit-signals=true";
	else if (video && options_.decodeVideo)
		description = "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec threads=1 ! video/x-raw,format=I420"
			      " ! appsink name=sink sync=false async=false emit-signals=true max-buffers=2 drop=true";
	try {
		GstElement* bin = ParseBin(description, std::string(audio ? "a" : "v") + "-recv-" + options_.name);
		gst_bin_add(GST_BIN(pipeline_), bin);
		if ((audio && options_.decodeAudio) || (video && options_.decodeVideo)) {
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
			// A bot that does not decode has its first audio with its first packet.
			if (self.audioPackets_++ == 0 && !self.options_.decodeAudio) {
				{
					std::lock_guard lock(self.mutex_);
					self.firstAudio_ = Clock::now();
				}
				self.changed_.notify_all();
			}
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
	// The offer carries the send streams' caps (a=ssrc, Opus channels, the
	// audio-level a=extmap) only once a buffer has gone through the
	// payloader; Janus drops RTP from an SSRC its SDP did not announce. The
	// pacer pushes every 20 ms. Bounded: without them the offer still goes.
	{
		std::unique_lock lock(mutex_);
		changed_.wait_for(lock, std::chrono::seconds(5), [&] { return audioCapsReady_; });
	}
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
