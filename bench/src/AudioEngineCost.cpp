// plenum-audio-cost: what the selective audio engine costs per tick, with
// no network: libopus encode per application and complexity (the numbers
// the engine's defaults are chosen from), and mixer::AudioEngine's tick at
// room sizes up to 500 with everyone talking. The transport's share (SRTP,
// sockets) is not in these figures; bench/run.sh measures whole servers.
//
//   plenum-audio-cost [--seconds=5]
//
// Prints Markdown tables. CPU time is the thread's (CLOCK_THREAD_CPUTIME_ID),
// so other load on the machine changes it little.

#include "mixer/AudioEngine.hpp"
#include "mixer/AudioLevel.hpp"
#include "mixer/OpusOwners.hpp"

#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace {

using plenum::mixer::AudioEngine;
using plenum::mixer::AudioLevel;

constexpr size_t kFrame = 960;

double ThreadSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

// Speech-like: low-passed noise under a 4 Hz syllable envelope, as the
// benchmark's bots send; `seed` makes each talker different.
std::vector<int16_t> Speech(size_t frames, unsigned seed, double amplitude) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<int16_t> samples(frames * kFrame);
  double low = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    low += 0.08 * (noise(random) - low);
    const double envelope = 0.5 + 0.5 * std::sin(2.0 * std::numbers::pi * 4.0 * double(i) / 48000.0 + seed);
    samples[i] = int16_t(std::clamp(amplitude * envelope * low * 3.0, -1.0, 1.0) * 32767.0);
  }
  return samples;
}

struct EncodedFrame {
  std::vector<uint8_t> payload;
  uint8_t level;
};

std::vector<EncodedFrame> Encode(const std::vector<int16_t>& samples) {
  int error = 0;
  plenum::mixer::OpusEncoderPtr encoder(opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &error));
  opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(32000));
  std::vector<EncodedFrame> frames;
  for (size_t offset = 0; offset + kFrame <= samples.size(); offset += kFrame) {
    EncodedFrame frame;
    frame.payload.resize(1500);
    const int length = opus_encode(encoder.get(), samples.data() + offset, kFrame, frame.payload.data(), 1500);
    frame.payload.resize(size_t(std::max(length, 0)));
    frame.level = AudioLevel::FromMeanSquare(
        AudioLevel::MeanSquare(std::span<const int16_t>(samples.data() + offset, kFrame)));
    frames.push_back(std::move(frame));
  }
  return frames;
}

void EncoderTable(double seconds) {
  // A three-voice mix: what a listener's encoder actually codes.
  std::vector<int16_t> mix(size_t(seconds * 50) * kFrame);
  for (unsigned voice = 0; voice < 3; ++voice) {
    const auto speech = Speech(mix.size() / kFrame, 10 + voice, 0.3);
    for (size_t i = 0; i < mix.size(); ++i) mix[i] = int16_t(std::clamp(int(mix[i]) + speech[i], -32768, 32767));
  }
  std::printf("## Opus encode of a three-voice mix, 48 kHz mono, 32 kb/s, 20 ms frames\n\n");
  std::printf("| application | complexity | µs per frame | mean bytes |\n|---|---|---|---|\n");
  const std::pair<int, const char*> applications[] = {{OPUS_APPLICATION_RESTRICTED_LOWDELAY, "restricted-lowdelay (CELT)"},
                                                     {OPUS_APPLICATION_VOIP, "voip"},
                                                     {OPUS_APPLICATION_AUDIO, "audio"}};
  for (const auto& [application, name] : applications) {
    for (int complexity : {0, 3, 5, 8, 10}) {
      int error = 0;
      plenum::mixer::OpusEncoderPtr encoder(opus_encoder_create(48000, 1, application, &error));
      opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(32000));
      opus_encoder_ctl(encoder.get(), OPUS_SET_COMPLEXITY(complexity));
      uint8_t packet[1500];
      size_t bytes = 0, frames = 0;
      const double start = ThreadSeconds();
      for (size_t offset = 0; offset + kFrame <= mix.size(); offset += kFrame, ++frames)
        bytes += size_t(std::max(0, opus_encode(encoder.get(), mix.data() + offset, kFrame, packet, sizeof packet)));
      const double elapsed = ThreadSeconds() - start;
      std::printf("| %s | %d | %.1f | %.0f |\n", name, complexity, elapsed / double(frames) * 1e6,
                  double(bytes) / double(frames));
    }
  }
  // Decoding what browsers send (voip, 32 kb/s).
  const auto packets = Encode(Speech(size_t(seconds * 50), 3, 0.3));
  auto decoder = plenum::mixer::MakeOpusDecoder();
  int16_t pcm[kFrame];
  const double start = ThreadSeconds();
  for (const auto& packet : packets)
    opus_decode(decoder.get(), packet.payload.data(), int(packet.payload.size()), pcm, kFrame, 0);
  std::printf("\nOpus decode of a talker's packets (voip, 32 kb/s): %.1f µs per frame\n\n",
              (ThreadSeconds() - start) / double(packets.size()) * 1e6);
}

class NullListener : public AudioEngine::Listener {
 public:
  void OnAudioPacket(const std::string&, const AudioEngine::OutgoingPacket& packet) override {
    bytes += packet.payload.size();
    ++packets;
  }
  void OnFullMix(std::span<const int16_t>) override {}
  uint64_t bytes = 0, packets = 0;
};

void EngineTable(double seconds) {
  std::printf("## AudioEngine tick, everyone talking, K=3, CELT complexity 5 (no transport)\n\n");
  std::printf("| N | levels sent | µs per tick | %% of a core | %% of a core per participant | decodes/tick | encodes/tick |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  // Every talker's packets are prepared beforehand (a second, looped), so
  // only the engine is timed.
  const size_t loop = 50;
  std::vector<std::vector<EncodedFrame>> talkers;
  for (unsigned i = 0; i < 500; ++i) talkers.push_back(Encode(Speech(loop, 100 + i, 0.05 + 0.3 * ((i * 37) % 11) / 10.0)));

  struct Case {
    size_t n;
    bool levels;
  };
  for (const Case c : {Case{8, true}, Case{32, true}, Case{100, true}, Case{500, true}, Case{32, false}}) {
    NullListener listener;
    AudioEngine engine(listener, AudioEngine::Options{});
    std::vector<std::string> ids;
    for (size_t i = 0; i < c.n; ++i) {
      ids.push_back("p" + std::to_string(i));
      engine.AddParticipant(ids.back(), uint32_t(i + 1), 0, 0);
    }
    const size_t ticks = size_t(seconds * 50);
    const size_t warm = 50;
    double busy = 0;
    uint64_t decodes = 0, encodes = 0;
    for (size_t tick = 0; tick < ticks + warm; ++tick) {
      for (size_t i = 0; i < c.n; ++i) {
        const EncodedFrame& frame = talkers[i][tick % loop];
        engine.PushPacket(ids[i], uint16_t(tick), uint32_t(tick * 960),
                          c.levels ? std::optional<uint8_t>(frame.level) : std::nullopt, frame.payload);
      }
      if (tick == warm) {
        decodes = engine.GetCounters().decodes;
        encodes = engine.GetCounters().encodes;
      }
      const double start = ThreadSeconds();
      engine.Tick();
      if (tick >= warm) busy += ThreadSeconds() - start;
    }
    const double perTick = busy / double(ticks);
    const double core = perTick / 0.020 * 100.0;
    std::printf("| %zu | %s | %.0f | %.2f | %.4f | %.1f | %.1f |\n", c.n, c.levels ? "yes" : "no", perTick * 1e6,
                core, core / double(c.n), double(engine.GetCounters().decodes - decodes) / double(ticks),
                double(engine.GetCounters().encodes - encodes) / double(ticks));
  }
  std::printf("\nPushing packets into the engine (the jitter buffer's copy) is not in the tick's time.\n");
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
    } else {
      std::fprintf(stderr, "usage: plenum-audio-cost [--seconds=5]\n");
      return 2;
    }
  }
  EncoderTable(seconds);
  EngineTable(seconds);
  return 0;
}
