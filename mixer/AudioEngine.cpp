#include "mixer/AudioEngine.hpp"

#include "mixer/AudioLevel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace plenum::mixer {
namespace {

// How long a skipped packet's sound fades into the next one's: long
// enough that the cut is no click, short enough that little is heard twice.
constexpr size_t kSkipFadeSamples = 240;  // 5 ms

// Fades `from` into `to` over the first kSkipFadeSamples of `to`.
void FadeInto(std::span<const int16_t> from, std::span<int16_t> to) {
  for (size_t i = 0; i < kSkipFadeSamples; ++i) {
    const double weight = (static_cast<double>(i) + 0.5) / kSkipFadeSamples;
    to[i] = static_cast<int16_t>(std::lround(from[i] * (1.0 - weight) + to[i] * weight));
  }
}

}  // namespace

AudioEngine::AudioEngine(Listener& listener, Options options)
    : listener_(listener), options_(std::move(options)), selector_(options_.selector) {
  order_.reserve(64);
}

AudioEngine::~AudioEngine() = default;

void AudioEngine::AddParticipant(const std::string& id, uint32_t ssrc, uint16_t firstSequence,
                                 uint32_t firstTimestamp) {
  if (participants_.count(id)) return;
  auto participant = std::make_unique<Participant>(id, ssrc, firstSequence, firstTimestamp, options_);
  order_.push_back(participant.get());
  participants_.emplace(id, std::move(participant));
}

void AudioEngine::RemoveParticipant(const std::string& id) {
  Participant* participant = Find(id);
  if (!participant) return;
  selector_.Remove(id);
  if (participant->encoder) participant->encoder->lent = false;
  order_.erase(std::find(order_.begin(), order_.end(), participant));
  participants_.erase(id);
}

void AudioEngine::PushPacket(const std::string& id, uint16_t sequence, uint32_t timestamp,
                             std::optional<uint8_t> level, std::span<const uint8_t> payload) {
  if (Participant* participant = Find(id)) participant->buffer.Push(sequence, timestamp, level, payload);
}

const AudioPacketBuffer* AudioEngine::Buffer(const std::string& id) const {
  const auto found = participants_.find(id);
  return found == participants_.end() ? nullptr : &found->second->buffer;
}

AudioEngine::Participant* AudioEngine::Find(const std::string& id) {
  const auto found = participants_.find(id);
  return found == participants_.end() ? nullptr : found->second.get();
}

void AudioEngine::Tick() {
  ++counters_.ticks;

  // 1. This tick's packet of everyone, and the levels the choice is made on.
  levels_.clear();
  for (Participant* participant : order_) {
    participant->slot = participant->buffer.Pop();
    participant->decoded = false;
    const AudioPacketBuffer::Packet* packet = participant->slot.packet;
    if (!packet) continue;  // silent this tick (not playing yet, lost, or DTX)
    double dbov;
    if (packet->level) {
      dbov = AudioLevel::ToDbov(*packet->level);
    } else {
      // No level in the packet: decode it to measure. The frame is kept,
      // so a selected speaker who sends no levels is decoded once.
      DecodeTick(*participant);
      dbov = AudioLevel::MeanSquareToDbov(AudioLevel::MeanSquare(participant->pcm));
    }
    levels_.push_back({participant->id, dbov});
  }

  // 2. Who is heard.
  const SpeakerSelector::Changes& changes = selector_.Tick(levels_, options_.maxSpeakers);
  for (const std::string& id : changes.demoted) {
    if (Participant* participant = Find(id); participant && participant->encoder) {
      participant->encoder->lent = false;
      participant->encoder = nullptr;
    }
  }
  for (const std::string& id : changes.promoted)
    if (Participant* participant = Find(id)) Warm(*participant);

  // 3. Decode and mix only them.
  selected_.clear();
  frames_.clear();
  for (const std::string& id : selector_.Selected()) {
    Participant* participant = Find(id);
    if (!participant) continue;
    if (!participant->decoded && participant->slot.playing) DecodeTick(*participant);
    selected_.push_back(participant);
    frames_.push_back(participant->decoded ? std::span<const int16_t>(participant->pcm)
                                           : std::span<const int16_t>());
  }
  mix_.Mix(frames_);
  listener_.OnFullMix(mix_.FullMix());

  // 4. Encode: one mix per selected speaker, one full mix for the rest.
  for (size_t i = 0; i < selected_.size(); ++i) {
    Participant& speaker = *selected_[i];
    if (!speaker.encoder) speaker.encoder = &Borrow();
    if (Encode(*speaker.encoder, mix_.MinusOwn(i))) Send(speaker, *speaker.encoder);
  }
  if (order_.size() > selected_.size() || fullMixWanted_) {
    if (!shared_) shared_ = MakeEncoder(0);
    if (Encode(*shared_, mix_.FullMix())) {
      listener_.OnFullMixPacket(std::span<const uint8_t>(shared_->packet.data(), shared_->length));
      for (Participant* listener : order_)
        if (!listener->encoder) Send(*listener, *shared_);
    }
  }
}

void AudioEngine::DecodeTick(Participant& participant) {
  if (!participant.decoder) {
    participant.decoder = MakeOpusDecoder();
    ++counters_.decodersCreated;
  }
  const AudioPacketBuffer::Slot& slot = participant.slot;
  // A packet skipped to win back delay still goes through the decoder:
  // libopus predicts a frame's band energies from the frame before, and
  // one it never saw made the next frame up to 4 dB too loud for 60 ms.
  // What it decodes to follows on from what was played, so it is faded
  // into this tick's frame, which then needs no click at the cut.
  const bool skippedDecoded =
      slot.skipped && opus_decode(participant.decoder.get(), slot.skipped->payload.data(),
                                  static_cast<opus_int32>(slot.skipped->payload.size()), scratch_.data(),
                                  kFrameSamples, 0) == static_cast<int>(kFrameSamples);
  int samples;
  if (slot.packet) {
    samples = opus_decode(participant.decoder.get(), slot.packet->payload.data(),
                          static_cast<opus_int32>(slot.packet->payload.size()), participant.pcm.data(),
                          kFrameSamples, 0);
    ++counters_.decodes;
  } else if (slot.next) {
    // The next packet may carry this one at a lower rate (in-band FEC);
    // libopus conceals when it does not.
    samples = opus_decode(participant.decoder.get(), slot.next->payload.data(),
                          static_cast<opus_int32>(slot.next->payload.size()), participant.pcm.data(),
                          kFrameSamples, 1);
    ++counters_.recovered;
  } else {
    samples = opus_decode(participant.decoder.get(), nullptr, 0, participant.pcm.data(), kFrameSamples, 0);
    ++counters_.concealed;
  }
  if (samples < 0) std::fill(participant.pcm.begin(), participant.pcm.end(), 0);
  else if (static_cast<size_t>(samples) < kFrameSamples)
    std::fill(participant.pcm.begin() + samples, participant.pcm.end(), 0);
  if (skippedDecoded) FadeInto(scratch_, participant.pcm);
  participant.decoded = true;
}

void AudioEngine::Warm(Participant& participant) {
  // A decoder that last ran long ago (or never) would start this speaker
  // with a click and a few ms of wrong prediction; running it over what
  // they just said puts its state where this tick's packet expects it.
  if (participant.decoded) return;  // decoded every tick already (no levels)
  if (!participant.decoder) {
    participant.decoder = MakeOpusDecoder();
    ++counters_.decodersCreated;
  }
  participant.buffer.RecentlyPlayed(options_.warmPackets, warm_);
  for (const AudioPacketBuffer::Packet* packet : warm_) {
    if (opus_decode(participant.decoder.get(), packet->payload.data(),
                    static_cast<opus_int32>(packet->payload.size()), scratch_.data(), kFrameSamples, 0) >= 0)
      ++counters_.warmups;
  }
  participant.slot.skipped = nullptr;  // among what was just decoded
}

AudioEngine::Encoder& AudioEngine::Borrow() {
  for (auto& encoder : speakerEncoders_) {
    if (!encoder->lent) {
      encoder->lent = true;
      return *encoder;
    }
  }
  speakerEncoders_.push_back(MakeEncoder(static_cast<uint32_t>(speakerEncoders_.size() + 1)));
  speakerEncoders_.back()->lent = true;
  return *speakerEncoders_.back();
}

std::unique_ptr<AudioEngine::Encoder> AudioEngine::MakeEncoder(uint32_t source) {
  int error = OPUS_OK;
  auto encoder = std::make_unique<Encoder>();
  encoder->opus.reset(opus_encoder_create(48000, 1, options_.application, &error));
  if (error != OPUS_OK || !encoder->opus)
    throw std::runtime_error(std::string("opus_encoder_create: ") + opus_strerror(error));
  opus_encoder_ctl(encoder->opus.get(), OPUS_SET_BITRATE(options_.bitrate));
  opus_encoder_ctl(encoder->opus.get(), OPUS_SET_COMPLEXITY(options_.complexity));
  encoder->source = source;
  ++counters_.encodersCreated;
  return encoder;
}

bool AudioEngine::Encode(Encoder& encoder, std::span<const int16_t> samples) {
  const opus_int32 length = opus_encode(encoder.opus.get(), samples.data(), static_cast<int>(kFrameSamples),
                                        encoder.packet.data(), static_cast<opus_int32>(encoder.packet.size()));
  // The encoder's own numbering moves on every frame it makes; a listener's
  // stream maps it onto theirs.
  ++encoder.sequence;
  encoder.timestamp += kFrameTicks;
  ++counters_.encodes;
  if (length <= 0) return false;
  encoder.length = static_cast<size_t>(length);
  return true;
}

void AudioEngine::Send(Participant& participant, const Encoder& encoder) {
  // Every encoder runs on the same tick, so the time since the listener's
  // last packet is a whole number of frames: one, unless an encode failed.
  const uint64_t ticksSince = participant.lastSentTick ? counters_.ticks - participant.lastSentTick : 1;
  const auto mapped = participant.rewriter.Rewrite(encoder.source, encoder.sequence, encoder.timestamp,
                                                   static_cast<uint32_t>(ticksSince * kFrameTicks));
  if (!mapped) return;
  participant.lastSentTick = counters_.ticks;
  ++counters_.packetsOut;
  listener_.OnAudioPacket(participant.id,
                          OutgoingPacket{participant.rewriter.Ssrc(), mapped->sequence, mapped->timestamp,
                                         std::span<const uint8_t>(encoder.packet.data(), encoder.length)});
}

}  // namespace plenum::mixer
