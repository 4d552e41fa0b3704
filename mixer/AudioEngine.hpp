// A room's audio without a decoder and an encoder per participant.
//
// Every 20 ms tick: each participant's packet for this tick is taken from
// their AudioPacketBuffer; its RFC 6464 level (or, for a client that sends
// none, the level of the frame decoded to measure it) feeds the
// SpeakerSelector, which keeps the K loudest; only those are decoded
// (libopus, with concealment and in-band FEC on loss); SelectedMix gives
// the sum of the selected and, for each of them, the sum minus their own
// voice. Each selected speaker's mix is encoded for them alone; everyone
// else gets the full mix, encoded once per tick and the same payload sent
// to all of them. A listener's stream keeps one SSRC with continuous
// numbers whichever of the two it carries (RtpStreamRewriter).
//
// Coders are made when first needed and kept: a participant's decoder
// until they leave, the encoders for as long as the room lives (the K
// speaker encoders are a pool that selected speakers borrow), so nothing
// is recreated or reset in steady state, which libopus would pay for in
// its CPU detection each time.
//
// Single-threaded: everything runs on the media worker that owns the room.
#pragma once

#include "mixer/AudioPacketBuffer.hpp"
#include "mixer/OpusOwners.hpp"
#include "mixer/RtpStreamRewriter.hpp"
#include "mixer/SelectedMix.hpp"
#include "mixer/SpeakerSelector.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace plenum::mixer {

class AudioEngine {
 public:
  static constexpr size_t kFrameSamples = SelectedMix::kFrameSamples;
  static constexpr uint32_t kFrameTicks = 960;  // RTP clock units per 20 ms at 48 kHz

  struct Options {
    size_t maxSpeakers = 3;  // K
    int bitrate = 32000;
    int complexity = 5;
    // CELT only: the lowest delay and the cheapest encode, and a listener's
    // mix is often music-like (several voices at once).
    int application = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
    SpeakerSelector::Options selector;
    size_t jitterTargetPackets = 2;
    size_t jitterMaxPackets = 8;
    size_t warmPackets = 3;  // decoded and thrown away when a speaker is picked
  };

  struct OutgoingPacket {
    uint32_t ssrc = 0;
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
    std::span<const uint8_t> payload;  // one Opus packet, valid during the call
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAudioPacket(const std::string& participant, const OutgoingPacket& packet) = 0;
    // The sum of the selected speakers, every tick (recordings, broadcasts).
    virtual void OnFullMix(std::span<const int16_t> samples) = 0;
    // The full mix as encoded for the listeners who are not selected (one
    // Opus packet, valid during the call): every tick while
    // SetFullMixWanted(true), else only on ticks that encode it anyway.
    virtual void OnFullMixPacket(std::span<const uint8_t>) {}
  };

  struct Counters {
    uint64_t ticks = 0;
    uint64_t decodes = 0;     // frames decoded from a packet
    uint64_t concealed = 0;   // frames made up by packet loss concealment
    uint64_t recovered = 0;   // frames rebuilt from the next packet's in-band FEC
    uint64_t warmups = 0;     // packets decoded to warm a newly selected speaker's decoder
    uint64_t encodes = 0;
    uint64_t decodersCreated = 0;
    uint64_t encodersCreated = 0;
    uint64_t packetsOut = 0;
  };

  AudioEngine(Listener& listener, Options options);
  ~AudioEngine();

  AudioEngine(const AudioEngine&) = delete;
  AudioEngine& operator=(const AudioEngine&) = delete;

  // `ssrc`, `firstSequence`, `firstTimestamp`: the participant's outgoing
  // audio stream as their answer announced it (random numbers, RFC 3550).
  // A second add of the same id changes nothing.
  void AddParticipant(const std::string& id, uint32_t ssrc, uint16_t firstSequence, uint32_t firstTimestamp);
  void RemoveParticipant(const std::string& id);
  // One Opus packet they sent; `level` is their RFC 6464 byte's level
  // (-dBov), when they send it. Unknown participants are ignored.
  void PushPacket(const std::string& id, uint16_t sequence, uint32_t timestamp, std::optional<uint8_t> level,
                  std::span<const uint8_t> payload);
  // Mixes and sends one 20 ms frame. Called by the worker's timer.
  void Tick();
  // Encode the full mix every tick, even when every listener is a selected
  // speaker with a mix of their own (a recording keeps the room as heard).
  void SetFullMixWanted(bool wanted) { fullMixWanted_ = wanted; }

  const std::vector<std::string>& Selected() const { return selector_.Selected(); }
  // The last tick's levels (dBov) of everyone who had a packet in it, for
  // the room's active-speaker choice; valid until the next tick.
  std::span<const SpeakerSelector::Level> TickLevels() const { return levels_; }
  const Counters& GetCounters() const { return counters_; }
  size_t ParticipantCount() const { return participants_.size(); }
  // The participant's incoming buffer, for stats and tests; null if unknown.
  const AudioPacketBuffer* Buffer(const std::string& id) const;

 private:
  struct Encoder {
    OpusEncoderPtr opus;
    uint32_t source = 0;  // RtpStreamRewriter's source id: 0 is the shared full mix
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
    bool lent = false;
    std::vector<uint8_t> packet = std::vector<uint8_t>(1500);
    size_t length = 0;
  };

  struct Participant {
    Participant(std::string id, uint32_t ssrc, uint16_t sequence, uint32_t timestamp, const Options& options)
        : id(std::move(id)),
          buffer(options.jitterTargetPackets, options.jitterMaxPackets),
          rewriter(ssrc, sequence, timestamp, kFrameTicks) {}
    std::string id;
    AudioPacketBuffer buffer;
    RtpStreamRewriter rewriter;
    OpusDecoderPtr decoder;  // made when they are first heard
    std::vector<int16_t> pcm = std::vector<int16_t>(kFrameSamples);
    AudioPacketBuffer::Slot slot;  // this tick's
    bool decoded = false;          // pcm holds this tick's frame
    Encoder* encoder = nullptr;    // borrowed while selected
    uint64_t lastSentTick = 0;     // 0: nothing sent yet
  };

  Participant* Find(const std::string& id);
  void DecodeTick(Participant& participant);
  void Warm(Participant& participant);
  Encoder& Borrow();
  std::unique_ptr<Encoder> MakeEncoder(uint32_t source);
  bool Encode(Encoder& encoder, std::span<const int16_t> samples);
  void Send(Participant& participant, const Encoder& encoder);

  // Passed by argument.
  Listener& listener_;

  // Owned.
  const Options options_;
  std::unordered_map<std::string, std::unique_ptr<Participant>> participants_;
  std::vector<Participant*> order_;  // join order, for a deterministic tick
  SpeakerSelector selector_;
  SelectedMix mix_;
  std::unique_ptr<Encoder> shared_;  // the full mix, for everyone not selected
  std::vector<std::unique_ptr<Encoder>> speakerEncoders_;
  bool fullMixWanted_ = false;

  // Others, reused every tick.
  std::vector<SpeakerSelector::Level> levels_;
  std::vector<Participant*> selected_;
  std::vector<std::span<const int16_t>> frames_;
  std::vector<const AudioPacketBuffer::Packet*> warm_;
  std::vector<int16_t> scratch_ = std::vector<int16_t>(kFrameSamples);
  Counters counters_;
};

}  // namespace plenum::mixer
