#pragma once

#include "MarkerLog.hpp"
#include "SpeechNoise.hpp"

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plenum::bench {

using Clock = std::chrono::steady_clock;

enum class AudioSignal { kTone, kNoise, kSilence, kMarker };

struct BotOptions {
	std::string name = "bot";
	int index = 0; // join order: where in the voice loop this talker starts
	AudioSignal audio = AudioSignal::kTone;
	double toneHz = 440.0;
	bool sendVideo = false;
	bool videoMarker = false;   // camera alternates black/white every 500 ms
	bool codedMarker = false;   // the marker fires only in MarkedSecond() seconds (MarkerLog.hpp)
	bool receiveVideo = true;   // offer a video m-line at all (Janus: no)
	bool decodeVideo = false;   // decode the composite (otherwise frames are counted at RTP level)
	bool decodeAudio = true;    // decode the audio and time the marker in it (otherwise packets are only counted)
	int width = 640;
	int height = 360;
	int framerate = 30;
	// Where the marker's camera sits in the composite this bot receives.
	int tileColumns = 1;
	int tileRows = 1;
	std::string iceAddress = "127.0.0.1";
	int jitterLatencyMs = 50;
	// RFC 6464 levels in every audio packet (a=extmap id 1), as Chromium and
	// Firefox always send them.
	bool sendAudioLevel = true;
};

// One load-generating WebRTC participant: a webrtcbin that sends Opus with
// RFC 6464 levels (unless told otherwise) from an appsrc fed by AudioPacer,
// and optionally VP8 from videotestsrc, and receives, decodes and times what
// it is sent. Talkers and silent bots replay frames encoded once (VoiceLoop);
// the marker (speech-like noise 6 dB louder with a marked burst on top) and
// a tone are encoded live. Signaling-agnostic: local SDP and candidates go
// out through the callbacks, remote ones come in through SetRemote /
// AddCandidate.
class Bot {
public:
	struct Counters {
		std::uint64_t audioPackets = 0;
		std::uint64_t videoFrames = 0;  // RTP packets with the marker bit
		std::uint64_t audioBuffersDecoded = 0;
		std::uint64_t videoFramesDecoded = 0;
	};

	Bot(BotOptions options, MarkerLog& markers);
	~Bot();
	Bot(const Bot&) = delete;
	Bot& operator=(const Bot&) = delete;

	// Set before CreateOffer / SetRemote. Called on webrtcbin threads.
	std::function<void(const std::string& type, const std::string& sdp)> onLocalDescription;
	std::function<void(unsigned mline, const std::string& candidate)> onLocalCandidate;

	void CreateOffer();
	void SetRemote(const std::string& type, const std::string& sdp);
	void AddCandidate(unsigned mline, const std::string& candidate);
	bool WaitGatheringComplete(std::chrono::milliseconds timeout);
	std::string LocalSdp();

	// Called by AudioPacer every 20 ms with the frame counter.
	void PushAudioFrame(std::uint64_t frameIndex, Clock::time_point now);

	void MarkJoinSent(Clock::time_point t) { joinSent_ = t; }
	std::optional<Clock::time_point> JoinSent() const { return joinSent_; }
	std::optional<Clock::time_point> FirstAudio();
	std::optional<Clock::time_point> FirstVideo();
	bool WaitFirstMedia(bool video, std::chrono::milliseconds timeout);
	Counters Snapshot() const;
	// Arrival times of marked bursts/frame changes seen by this bot.
	std::vector<Clock::time_point> AudioOnsets();
	std::vector<Clock::time_point> VideoOnsets();
	std::string Error();
	const BotOptions& Options() const { return options_; }
	bool Connected();

private:
	static void OnPadAdded(GstElement*, GstPad* pad, gpointer self);
	static void OnIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer self);
	static void OnGatheringNotify(GObject*, GParamSpec*, gpointer self);
	static void OnConnectionNotify(GObject*, GParamSpec*, gpointer self);
	static void OnAudioCapsNotify(GObject* pad, GParamSpec*, gpointer self);
	static GstPadProbeReturn CountRtp(GstPad*, GstPadProbeInfo* info, gpointer self);
	static GstPadProbeReturn PaintMarker(GstPad*, GstPadProbeInfo* info, gpointer self);
	static GstPadProbeReturn FixAudioLevel(GstPad*, GstPadProbeInfo* info, gpointer);
	static GstFlowReturn OnAudioSample(GstElement* sink, gpointer self);
	static GstFlowReturn OnVideoSample(GstElement* sink, gpointer self);
	void HandlePad(GstPad* pad);
	void DescriptionCreated(GstPromise* promise, const char* type);
	void Fail(const std::string& what);
	void BuildSend();
	void AddAudioLevelExtension(GstElement* audioBin);
	bool Replays() const { return options_.audio == AudioSignal::kNoise || options_.audio == AudioSignal::kSilence; }

	// Passed by argument.
	MarkerLog& markers_;

	// Owned (GStreamer references, released in the destructor).
	const BotOptions options_;
	GstElement* pipeline_ = nullptr;
	GstElement* webrtc_ = nullptr;
	GstElement* audioSrc_ = nullptr;
	GstPad* audioSink_ = nullptr; // webrtcbin's audio sink pad, whose caps the offer is made from

	// Others.
	std::atomic<bool> closing_{false};
	std::atomic<std::uint64_t> audioPackets_{0};
	std::atomic<std::uint64_t> videoFrames_{0};
	std::atomic<std::uint64_t> audioDecoded_{0};
	std::atomic<std::uint64_t> videoDecoded_{0};
	std::optional<Clock::time_point> joinSent_;
	std::mutex mutex_;
	std::condition_variable changed_;
	std::optional<Clock::time_point> firstAudio_;
	std::optional<Clock::time_point> firstVideo_;
	std::vector<Clock::time_point> audioOnsets_;
	std::vector<Clock::time_point> videoOnsets_;
	bool gatheringComplete_ = false;
	bool audioCapsReady_ = false; // webrtcbin's audio pad has caps (with the extension, when levels are sent)
	bool connected_ = false;
	std::string error_;
	// Streaming-thread state of the detectors.
	bool audioOn_ = false;
	int audioQuietBlocks_ = 0;
	bool videoWhite_ = false;
	bool markerWhite_ = false;
	Clock::time_point markerStart_ = Clock::now();
	SpeechNoise voice_; // the marker's, encoded live
	std::uint64_t loopOffset_ = 0; // where in the voice loop this bot starts
};

} // namespace plenum::bench
