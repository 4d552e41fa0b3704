#include "mixer/SpeakerSelector.hpp"

#include <algorithm>
#include <cmath>

#include "mixer/AudioLevel.hpp"

namespace plenum::mixer {
namespace {

// Below -130 dBov, quieter than anything RFC 6464 can say: a long-silent
// participant's average is cut to 0 here instead of crawling through
// denormals, which are slow, a thousand times a tick.
constexpr double kPowerFloor = 1e-13;

int64_t Ticks(std::chrono::milliseconds duration, std::chrono::milliseconds tick) {
  if (tick.count() <= 0) return duration.count();
  return (duration.count() + tick.count() - 1) / tick.count();  // a hold is never shorter than asked
}

}  // namespace

SpeakerSelector::SpeakerSelector(const Options& options)
    : silenceDbov_(options.silenceDbov),
      alpha_(options.smoothing.count() > 0
                 ? 1.0 - std::exp(-static_cast<double>(options.tick.count()) / options.smoothing.count())
                 : 1.0),
      marginFactor_(std::pow(10.0, options.marginDb / 10.0)),
      holdTicks_(Ticks(options.hold, options.tick)),
      // At least a tick, or a speaker would be demoted on the tick after
      // each word and promoted again on the next.
      keepTicks_(std::max<int64_t>(1, Ticks(options.keep, options.tick))) {}

size_t SpeakerSelector::IndexOf(std::string_view participant) {
  if (auto it = index_.find(participant); it != index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(entries_.size());
  entries_.push_back(Entry{.id = std::string(participant), .seen = nextSeen_++});
  index_.emplace(entries_.back().id, index);
  return index;
}

bool SpeakerSelector::Louder(uint32_t a, uint32_t b) const {
  const Entry& x = entries_[a];
  const Entry& y = entries_[b];
  if (x.power != y.power) return x.power > y.power;
  if (x.speakingSince != y.speakingSince) return x.speakingSince < y.speakingSince;
  return x.seen < y.seen;
}

uint32_t SpeakerSelector::Weakest() const {
  uint32_t weakest = selected_.front();
  for (const uint32_t index : selected_)
    if (Louder(weakest, index)) weakest = index;
  return weakest;
}

void SpeakerSelector::Promote(uint32_t index) {
  Entry& entry = entries_[index];
  entry.selected = true;
  entry.challengeTicks = 0;
  selected_.push_back(index);
  selectedIds_.push_back(entry.id);
  changes_.promoted.push_back(entry.id);
}

void SpeakerSelector::Demote(uint32_t index) {
  Entry& entry = entries_[index];
  const auto at = std::find(selected_.begin(), selected_.end(), index) - selected_.begin();
  selected_.erase(selected_.begin() + at);
  selectedIds_.erase(selectedIds_.begin() + at);
  entry.selected = false;
  entry.challengeTicks = 0;
  changes_.demoted.push_back(entry.id);
}

void SpeakerSelector::RankTop(size_t count) {
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(count), candidates_.end(),
                    [this](uint32_t a, uint32_t b) { return Louder(a, b); });
}

const SpeakerSelector::Changes& SpeakerSelector::Tick(std::span<const Level> levels, size_t maxSelected) {
  changes_.promoted.clear();
  changes_.demoted.clear();
  ++tick_;

  for (const Level& level : levels) {
    Entry& entry = entries_[IndexOf(level.participant)];
    const double dbov = std::isnan(level.dbov) ? AudioLevel::kSilenceDbov : std::min(level.dbov, 0.0);
    entry.observed = std::max(entry.observed, std::pow(10.0, dbov / 10.0));
    if (dbov >= silenceDbov_ && entry.lastVoiced != tick_) {
      if (!Active(entry)) entry.speakingSince = tick_;
      entry.lastVoiced = tick_;
    }
  }
  for (Entry& entry : entries_) {
    entry.power += alpha_ * (entry.observed - entry.power);
    if (entry.power < kPowerFloor) entry.power = 0.0;
    entry.observed = 0.0;
  }

  for (size_t i = 0; i < selected_.size();) {
    if (Active(entries_[selected_[i]])) {
      ++i;
    } else {
      Demote(selected_[i]);
    }
  }
  while (selected_.size() > maxSelected) Demote(Weakest());

  candidates_.clear();
  if (selected_.size() < maxSelected) {
    // Free slots displace nobody: the loudest voices this tick take them.
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      Entry& entry = entries_[i];
      entry.challengeTicks = 0;
      if (!entry.selected && entry.lastVoiced == tick_) candidates_.push_back(i);
    }
    const size_t count = std::min(maxSelected - selected_.size(), candidates_.size());
    RankTop(count);
    for (size_t i = 0; i < count; ++i) Promote(candidates_[i]);
  } else if (maxSelected > 0) {
    const double bar = entries_[Weakest()].power * marginFactor_;
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      Entry& entry = entries_[i];
      if (entry.selected) continue;
      if (!Active(entry) || !(entry.power > bar)) {
        entry.challengeTicks = 0;
        continue;
      }
      // Only ticks with a voice count: the smoothed level of a cough stays
      // over the bar for a while after it, and must not finish the hold
      // in silence. A pause that leaves the average over the bar does not
      // start the count again, so ordinary speech gets through.
      if (entry.lastVoiced == tick_) ++entry.challengeTicks;
      if (entry.challengeTicks >= holdTicks_) candidates_.push_back(i);
    }
    // Each swap raises the weakest, so once the loudest remaining
    // challenger no longer clears the margin, nobody after it does.
    const size_t count = std::min(maxSelected, candidates_.size());
    RankTop(count);
    for (size_t i = 0; i < count; ++i) {
      const uint32_t weakest = Weakest();
      if (!(entries_[candidates_[i]].power > entries_[weakest].power * marginFactor_)) break;
      Demote(weakest);
      Promote(candidates_[i]);
    }
  }
  return changes_;
}

bool SpeakerSelector::Remove(std::string_view participant) {
  auto it = index_.find(participant);
  if (it == index_.end()) return false;
  const uint32_t index = it->second;
  // `participant` may view one of our own strings (Selected()[i]): it is
  // not read past this point.
  index_.erase(it);
  const bool wasSelected = entries_[index].selected;
  if (wasSelected) {
    const auto at = std::find(selected_.begin(), selected_.end(), index) - selected_.begin();
    selected_.erase(selected_.begin() + at);
    selectedIds_.erase(selectedIds_.begin() + at);
  }
  const auto last = static_cast<uint32_t>(entries_.size() - 1);
  if (index != last) {
    entries_[index] = std::move(entries_[last]);
    index_.find(entries_[index].id)->second = index;
    if (entries_[index].selected) *std::find(selected_.begin(), selected_.end(), last) = index;
  }
  entries_.pop_back();
  return wasSelected;
}

bool SpeakerSelector::IsSelected(std::string_view participant) const {
  auto it = index_.find(participant);
  return it != index_.end() && entries_[it->second].selected;
}

std::optional<double> SpeakerSelector::SmoothedDbov(std::string_view participant) const {
  auto it = index_.find(participant);
  if (it == index_.end()) return std::nullopt;
  return AudioLevel::MeanSquareToDbov(entries_[it->second].power);
}

}  // namespace plenum::mixer
