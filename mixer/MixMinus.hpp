// The mix-minus arithmetic of a room's audio, with no GStreamer in it.
//
// Each tick sums every input's frame once and hands each participant the
// sum minus its own frame, so the cost grows linearly with the room (N
// audiomixers of N-1 inputs would be quadratic). Sums are kept in 32 bits
// and clipped only once, after the subtraction, so a participant whose own
// loud voice pushed the room sum past full scale still hears the others
// undistorted.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "mixer/SampleFifo.hpp"

namespace plenum::mixer {

class MixMinus {
 public:
  static constexpr int kSampleRate = 48000;
  static constexpr size_t kFrameSamples = kSampleRate / 50;  // 20 ms, mono

  struct Output {
    std::string participant;
    std::vector<int16_t> samples;  // kFrameSamples of sum-minus-own
    double ownLevel = 0.0;         // mean square of the participant's own frame, 0..1
    // When the participant's own frame was due on the room's clock (ns of
    // running time; SampleFifo::kUnknownTime without one).
    uint64_t dueTime = SampleFifo::kUnknownTime;
  };

  // Inputs are keyed by participant id. Safe to call from any thread.
  void AddParticipant(const std::string& participant);
  void RemoveParticipant(const std::string& participant);
  // `endTime`: see SampleFifo::Push.
  void Push(const std::string& participant, std::span<const int16_t> samples,
            uint64_t endTime = SampleFifo::kUnknownTime);

  // Mixes one frame for every participant. `outputs` is resized and reused
  // across ticks so the steady state allocates nothing. With `fullMix`,
  // also the sum of everyone (what a recording of the room hears), from
  // the same one pass over the inputs.
  void MixFrame(std::vector<Output>& outputs, std::vector<int16_t>* fullMix = nullptr);

  size_t ParticipantCount() const;
  struct InputStats {
    uint64_t underruns = 0;       // frames it could not supply in time (played as silence)
    uint64_t droppedSamples = 0;  // samples trimmed to keep its backlog bounded
  };
  InputStats Stats(const std::string& participant) const;
  uint64_t Underruns(const std::string& participant) const { return Stats(participant).underruns; }

  // The arithmetic itself, exposed for exact tests: out[i] = clip(sum - own[i]).
  static int16_t ClipToSample(int32_t value);

 private:
  struct Input {
    SampleFifo fifo{kFrameSamples};
    std::vector<int16_t> frame = std::vector<int16_t>(kFrameSamples);
    bool hasFrame = false;
    uint64_t due = SampleFifo::kUnknownTime;  // of `frame`
    uint64_t underruns = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Input> inputs_;
  std::vector<int32_t> sum_ = std::vector<int32_t>(kFrameSamples);
};

}  // namespace plenum::mixer
