#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace plenum::bench {

// A talker's voice encoded once per process: a loop of 20 ms Opus frames
// (the settings of GStreamer's opusenc at 32 kb/s, which the bots used to
// run live) with each frame's RFC 6464 level, which every talking bot
// replays from an offset of its own. Encoding live cost each bot about
// 1.3 % of a core (libopus at complexity 10), so the bots' one core could
// not drive a room of 100; the server receives the same kind of stream.
class VoiceLoop {
public:
	struct Frame {
		std::vector<std::uint8_t> opus;
		std::uint8_t level = 127; // -dBov, 127 for digital silence
	};

	// 30 s of SpeechNoise (120 whole syllable periods, so the loop is seamless).
	static const VoiceLoop& Speech();
	// Digital silence, as a muted microphone sends it.
	static const VoiceLoop& Silence();

	const Frame& At(std::uint64_t index) const { return frames_[index % frames_.size()]; }
	std::size_t Size() const { return frames_.size(); }

private:
	VoiceLoop(std::size_t frames, double gain);

	std::vector<Frame> frames_;
};

} // namespace plenum::bench
