// Picks, every tick, the few speakers the selective audio engine decodes
// and mixes.
//
// Whoever is not selected is not heard at all, so the choice must be quick
// for a new voice, yet it must not flap: every change switches what some
// listener's stream carries and starts a decoder cold. Hence:
//
//  - A free slot goes at once to the loudest participant voiced this tick
//    (at or above the silence threshold). Nobody is displaced, so there is
//    nothing to wait for; a cough costs one decode for the keep time.
//  - When all K slots are taken, a challenger must beat the weakest
//    selected speaker by `marginDb`, on smoothed levels, for `hold` of
//    voiced ticks (pauses do not count, and do not restart the count while
//    the challenger's average stays over the bar) before it replaces them.
//    Levels are smoothed as power (mean square), exponentially with time
//    constant `smoothing`: a syllable's peaks count for what they are
//    worth, a short pause between words costs a few dB rather than the
//    floor, and an onset shows within a tick or two.
//  - A selected speaker stays for `keep` after their last voiced tick, so
//    pauses between words and sentences do not demote them; only then does
//    silence demote.
//  - A participant who left is removed at once (Remove), slot and all.
//
// Levels are dBov, 0 (loud) .. -127 (silent): AudioLevel::ToDbov of a
// client's RFC 6464 byte, or, for a client that sends none, the level the
// engine measured on the frame it decoded for that purpose
// (AudioLevel::MeanSquareToDbov). The choice needs no more than the number;
// a participant with no packet this tick (loss, DTX) is silent for it, not
// gone.
//
// Ties (equal smoothed levels) go to whoever started speaking first, then
// to whoever was seen first, so the result depends only on the inputs. A
// tick costs O(N) plus O(C log K) for C candidates, and allocates nothing
// once every participant has been seen, unless the selection changes and
// an id is longer than std::string keeps inline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plenum::mixer {

class SpeakerSelector {
 public:
  struct Options {
    std::chrono::milliseconds tick{20};
    // Under it a tick is not a voice: well below speech (-20..-40 dBov)
    // and above the noise floor of a typical processed microphone.
    double silenceDbov = -60.0;
    // A pause of 200 ms between words costs 8.7 dB, one of 100 ms 4.3.
    std::chrono::milliseconds smoothing{100};
    // Twice the amplitude: two people talking at a similar level, whose
    // levels cross all the time, never swap on that alone.
    double marginDb = 6.0;
    // Long enough that a cough or a laugh does not take a slot from a
    // talker; short enough that a clear new talker loses one word at most.
    std::chrono::milliseconds hold{200};
    // Longer than most pauses between sentences; a selected speaker who
    // resumes later is back at once if a slot is free.
    std::chrono::milliseconds keep{1000};
  };

  struct Level {
    std::string_view participant;
    double dbov = -127.0;
  };

  struct Changes {
    std::vector<std::string> promoted;
    std::vector<std::string> demoted;
  };

  SpeakerSelector() : SpeakerSelector(Options{}) {}
  explicit SpeakerSelector(const Options& options);

  // One tick: `levels` holds at most one level per participant who sent or
  // was measured this tick (of several, the loudest counts); a participant
  // seen for the first time joins. `maxSelected` is K; lowering it demotes
  // the weakest. The changes stay valid until the next call.
  const Changes& Tick(std::span<const Level> levels, size_t maxSelected);

  // Forgets a participant who left; true when they were selected (their
  // slot is free from now on, and the next tick may fill it).
  bool Remove(std::string_view participant);

  // In the order they were promoted, which a change does not reshuffle.
  const std::vector<std::string>& Selected() const { return selectedIds_; }
  bool IsSelected(std::string_view participant) const;
  size_t ParticipantCount() const { return entries_.size(); }
  // The smoothed level the choice is made on, for logs and tests.
  std::optional<double> SmoothedDbov(std::string_view participant) const;

 private:
  static constexpr int64_t kNever = INT64_MIN / 2;

  struct Entry {
    std::string id;
    uint64_t seen = 0;      // order of first appearance, the last tie-break
    double power = 0.0;     // smoothed mean square, full scale 1.0
    double observed = 0.0;  // this tick's, until folded into `power`
    int64_t lastVoiced = kNever;
    int64_t speakingSince = kNever;
    uint32_t challengeTicks = 0;
    bool selected = false;
  };

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  size_t IndexOf(std::string_view participant);
  bool Louder(uint32_t a, uint32_t b) const;
  bool Active(const Entry& entry) const { return tick_ - entry.lastVoiced < keepTicks_; }
  uint32_t Weakest() const;
  void Promote(uint32_t index);
  void Demote(uint32_t index);
  void RankTop(size_t count);

  double silenceDbov_;
  double alpha_;         // per-tick weight of the new level
  double marginFactor_;  // marginDb as a power ratio
  int64_t holdTicks_;
  int64_t keepTicks_;

  int64_t tick_ = 0;
  uint64_t nextSeen_ = 0;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> index_;
  std::vector<uint32_t> selected_;        // entry indices, promotion order
  std::vector<std::string> selectedIds_;  // the same, as ids
  std::vector<uint32_t> candidates_;      // reused every tick
  Changes changes_;
};

}  // namespace plenum::mixer
