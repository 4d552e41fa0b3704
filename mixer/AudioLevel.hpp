// RFC 6464 audio levels: what a client says about each packet it sends,
// and what we measure ourselves on the decoded frames of a client that
// says nothing, on one scale so the speaker choice can compare them.
//
// The level is -dBov, 0 (loudest) .. 127 (-127 dBov or quieter, and digital
// silence, which RFC 6464 §3 says MUST be 127). 0 dBov is the overload point
// of the format: for 16-bit PCM a full-scale square wave, mean square 1.0
// once samples are divided by 32768.
// RFC 6464 gives no rounding rule; we round to the nearest level, halves
// towards the quieter one, which is what RFC 6465's reference code
// (Math.round of -dB) and libwebrtc (-dB + 0.5, truncated) both do, so a
// measured level and a browser's agree.
//
// Where the byte sits in the packet (a one- or two-byte header extension)
// is read elsewhere, with GstRTPBuffer; only the byte's meaning is here.
#pragma once

#include <cstdint>
#include <span>

namespace plenum::mixer {

class AudioLevel {
 public:
  static constexpr uint8_t kSilence = 127;
  static constexpr double kSilenceDbov = -127.0;

  struct Indication {
    uint8_t level = kSilence;  // -dBov, 0..127
    bool voice = false;        // the V bit: the client's own voice activity decision
    bool operator==(const Indication&) const = default;
  };

  // The extension's one data byte: V in the top bit, the level below it.
  static Indication Parse(uint8_t data);
  // For our own test clients and tools; a level past 127 is sent as 127.
  static uint8_t Encode(Indication indication);

  // Mean square of a frame (full scale 1.0) -> RFC 6464 level, rounded and
  // clamped; zero, negative or NaN (nothing to measure) is silence.
  static uint8_t FromMeanSquare(double meanSquare);
  // The inverse for every level: FromMeanSquare(ToMeanSquare(n)) == n.
  static double ToMeanSquare(uint8_t level);
  // The selector's scale: dBov, 0 .. -127. A level is a whole number of dB.
  static double ToDbov(uint8_t level) { return -static_cast<double>(level > kSilence ? kSilence : level); }
  // Unrounded, for a level we measured: ranking speakers does not need to
  // lose the fraction a header would. Clamped to [-127, 0].
  static double MeanSquareToDbov(double meanSquare);

  // Of 16-bit samples, divided by 32768 so -32768 is exactly full scale.
  // An empty frame has no energy (0).
  static double MeanSquare(std::span<const int16_t> samples);
};

}  // namespace plenum::mixer
