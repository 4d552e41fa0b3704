#include "VoiceLoop.hpp"

#include "SpeechNoise.hpp"

#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

namespace plenum::bench {

namespace {

constexpr int kFrameSamples = 960; // 20 ms at 48 kHz
constexpr std::size_t kSpeechFrames = 1500; // 30 s
constexpr std::size_t kSilenceFrames = 50;

// RFC 6464: -dBov of the frame's RMS (full scale 32768), rounded; digital
// silence is 127.
std::uint8_t Level(const std::int16_t* samples, int count)
{
	double sum = 0.0;
	for (int i = 0; i < count; ++i)
		sum += double(samples[i]) * double(samples[i]);
	const double meanSquare = sum / double(count) / (32768.0 * 32768.0);
	if (meanSquare <= 0.0)
		return 127;
	return std::uint8_t(std::clamp(std::lround(-10.0 * std::log10(meanSquare)), 0L, 127L));
}

} // namespace

const VoiceLoop& VoiceLoop::Speech()
{
	static const VoiceLoop loop(kSpeechFrames, SpeechNoise::kGain);
	return loop;
}

const VoiceLoop& VoiceLoop::Silence()
{
	static const VoiceLoop loop(kSilenceFrames, 0.0);
	return loop;
}

VoiceLoop::VoiceLoop(std::size_t frames, double gain)
{
	int error = OPUS_OK;
	std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> encoder(
		opus_encoder_create(SpeechNoise::kRate, 1, OPUS_APPLICATION_AUDIO, &error), &opus_encoder_destroy);
	if (error != OPUS_OK || !encoder)
		throw std::runtime_error(std::string("opus_encoder_create: ") + opus_strerror(error));
	// opusenc's defaults with the bots' bitrate: generic audio, full band,
	// constrained VBR, complexity 10, no DTX, no FEC.
	opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(encoder.get(), OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_FULLBAND));
	opus_encoder_ctl(encoder.get(), OPUS_SET_VBR(1));
	opus_encoder_ctl(encoder.get(), OPUS_SET_VBR_CONSTRAINT(1));
	opus_encoder_ctl(encoder.get(), OPUS_SET_COMPLEXITY(10));
	SpeechNoise noise(0x5eed, 0, gain);
	std::vector<std::int16_t> pcm(kFrameSamples);
	std::vector<std::uint8_t> packet(1500);
	frames_.reserve(frames);
	for (std::size_t i = 0; i < frames; ++i) {
		noise.Fill(pcm.data(), kFrameSamples, std::uint64_t(i) * kFrameSamples);
		const opus_int32 length =
			opus_encode(encoder.get(), pcm.data(), kFrameSamples, packet.data(), opus_int32(packet.size()));
		if (length <= 0)
			throw std::runtime_error(std::string("opus_encode: ") + opus_strerror(length));
		frames_.push_back(Frame{{packet.begin(), packet.begin() + length}, Level(pcm.data(), kFrameSamples)});
	}
}

} // namespace plenum::bench
