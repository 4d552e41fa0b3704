#include "mixer/MixMinus.hpp"

#include <algorithm>
#include <limits>

namespace plenum::mixer {

int16_t MixMinus::ClipToSample(int32_t value) {
  return static_cast<int16_t>(
      std::clamp<int32_t>(value, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()));
}

void MixMinus::AddParticipant(const std::string& participant) {
  std::lock_guard lock(mutex_);
  inputs_.try_emplace(participant);
}

void MixMinus::RemoveParticipant(const std::string& participant) {
  std::lock_guard lock(mutex_);
  inputs_.erase(participant);
}

void MixMinus::Push(const std::string& participant, std::span<const int16_t> samples, uint64_t endTime) {
  std::lock_guard lock(mutex_);
  auto it = inputs_.find(participant);
  if (it != inputs_.end()) it->second.fifo.Push(samples, endTime);
}

void MixMinus::MixFrame(std::vector<Output>& outputs, std::vector<int16_t>* fullMix) {
  std::lock_guard lock(mutex_);
  std::fill(sum_.begin(), sum_.end(), 0);

  // Pass 1: every input is read and added once.
  for (auto& [id, input] : inputs_) {
    input.due = input.fifo.HeadTime(kSampleRate);
    input.hasFrame = input.fifo.PopFrame(input.frame);
    if (!input.hasFrame) {
      input.due = SampleFifo::kUnknownTime;
      ++input.underruns;
      continue;
    }
    for (size_t i = 0; i < kFrameSamples; ++i) sum_[i] += input.frame[i];
  }

  if (fullMix) {
    fullMix->resize(kFrameSamples);
    for (size_t i = 0; i < kFrameSamples; ++i) (*fullMix)[i] = ClipToSample(sum_[i]);
  }

  // Pass 2: every participant gets the sum minus itself, clipped once.
  outputs.resize(inputs_.size());
  size_t index = 0;
  for (auto& [id, input] : inputs_) {
    Output& out = outputs[index++];
    if (out.participant != id) out.participant = id;
    out.dueTime = input.due;
    out.samples.resize(kFrameSamples);
    double energy = 0.0;
    if (input.hasFrame) {
      for (size_t i = 0; i < kFrameSamples; ++i) {
        const int32_t own = input.frame[i];
        out.samples[i] = ClipToSample(sum_[i] - own);
        energy += static_cast<double>(own) * own;
      }
    } else {
      for (size_t i = 0; i < kFrameSamples; ++i) out.samples[i] = ClipToSample(sum_[i]);
    }
    out.ownLevel = energy / (kFrameSamples * 32768.0 * 32768.0);
  }
}

size_t MixMinus::ParticipantCount() const {
  std::lock_guard lock(mutex_);
  return inputs_.size();
}

MixMinus::InputStats MixMinus::Stats(const std::string& participant) const {
  std::lock_guard lock(mutex_);
  auto it = inputs_.find(participant);
  if (it == inputs_.end()) return {};
  return InputStats{it->second.underruns, it->second.fifo.DroppedSamples()};
}

}  // namespace plenum::mixer
