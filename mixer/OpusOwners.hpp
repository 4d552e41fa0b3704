// Owners for libopus coders, which the audio engine drives directly: one
// decoder per participant it hears, a few encoders per room. std::unique_ptr
// with the matching destroy function, so no early return leaks one.
#pragma once

#include <opus/opus.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace plenum::mixer {

struct OpusDecoderDestroy {
  void operator()(OpusDecoder* decoder) const { opus_decoder_destroy(decoder); }
};
struct OpusEncoderDestroy {
  void operator()(OpusEncoder* encoder) const { opus_encoder_destroy(encoder); }
};
using OpusDecoderPtr = std::unique_ptr<OpusDecoder, OpusDecoderDestroy>;
using OpusEncoderPtr = std::unique_ptr<OpusEncoder, OpusEncoderDestroy>;

// 48 kHz mono: what the engine mixes in. Throws std::runtime_error.
inline OpusDecoderPtr MakeOpusDecoder() {
  int error = OPUS_OK;
  OpusDecoderPtr decoder(opus_decoder_create(48000, 1, &error));
  if (error != OPUS_OK || !decoder) throw std::runtime_error(std::string("opus_decoder_create: ") + opus_strerror(error));
  return decoder;
}

}  // namespace plenum::mixer
