// The choice of the K speakers the selective engine decodes, tick by tick:
// each scenario is a table of rows (levels in, changes out), in the manner
// of mediasoup's TestNackGenerator.
//
// Default options throughout unless a row says otherwise: 20 ms ticks,
// silence below -60 dBov, 100 ms smoothing, 6 dB margin held for 200 ms
// (10 voiced ticks), 1 s keep (50 ticks).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "AllocationCounter.hpp"
#include "mixer/SpeakerSelector.hpp"

namespace plenum::mixer {
namespace {

using namespace std::chrono_literals;

constexpr double kSilent = -127.0;
using Levels = std::vector<std::pair<std::string, double>>;
// "+id" promoted or "-id" demoted, at a tick (1-based).
using History = std::vector<std::pair<int, std::string>>;

// Drives one selector and writes down every change with its tick.
class Room {
 public:
  explicit Room(SpeakerSelector::Options options = {}) : selector_(options) {}

  void Tick(const Levels& levels, size_t k) {
    views_.clear();
    for (const auto& [id, dbov] : levels) views_.push_back({id, dbov});
    const auto& changes = selector_.Tick(views_, k);
    ++tick_;
    for (const auto& id : changes.demoted) history_.emplace_back(tick_, "-" + id);
    for (const auto& id : changes.promoted) history_.emplace_back(tick_, "+" + id);
  }
  void Ticks(int count, const Levels& levels, size_t k) {
    for (int i = 0; i < count; ++i) Tick(levels, k);
  }
  // Levels as a function of the tick about to run (1-based).
  void Run(int count, const std::function<Levels(int)>& levels, size_t k) {
    for (int i = 0; i < count; ++i) Tick(levels(tick_ + 1), k);
  }

  SpeakerSelector& selector() { return selector_; }
  const History& history() const { return history_; }
  int tick() const { return tick_; }
  std::vector<std::string> Selected() const { return selector_.Selected(); }

 private:
  SpeakerSelector selector_;
  std::vector<SpeakerSelector::Level> views_;
  History history_;
  int tick_ = 0;
};

SpeakerSelector::Options Unsmoothed() {
  SpeakerSelector::Options options;
  options.smoothing = 0ms;  // each tick's level as it is: exact ties are easy to make
  return options;
}

// --- Stable selection --------------------------------------------------------

TEST(SpeakerSelector, SteadyLevelsAreChosenAtOnceAndKept) {
  const Levels levels = {{"e", -50}, {"a", -10}, {"c", -30}, {"b", -20}, {"d", -40}, {"f", -70}};
  struct Row {
    size_t k;
    std::vector<std::string> selected;  // in promotion order, loudest first
  };
  // clang-format off
  const std::vector<Row> rows = {
      {0, {}},
      {1, {"a"}},
      {3, {"a", "b", "c"}},
      {5, {"a", "b", "c", "d", "e"}},
      // K larger than N: everyone who makes a sound; f is under -60 dBov.
      {10, {"a", "b", "c", "d", "e"}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "K " << row.k);
    Room room;
    room.Tick(levels, row.k);
    EXPECT_EQ(room.Selected(), row.selected);
    EXPECT_EQ(room.history().size(), row.selected.size());
    room.Ticks(1000, levels, row.k);
    EXPECT_EQ(room.Selected(), row.selected);
    EXPECT_EQ(room.history().size(), row.selected.size()) << "changed while nothing did";
  }
}

TEST(SpeakerSelector, SmoothedLevelFollowsPower) {
  Room room;
  room.Tick({{"a", -20}}, 3);
  // One tick of -20 dBov from nothing: 1 - e^(-20 ms / 100 ms) of its power.
  EXPECT_NEAR(*room.selector().SmoothedDbov("a"), -20 + 10 * std::log10(1 - std::exp(-0.2)), 1e-9);
  room.Ticks(300, {{"a", -20}}, 3);
  EXPECT_NEAR(*room.selector().SmoothedDbov("a"), -20, 1e-9);
  room.Ticks(500, {}, 3);
  EXPECT_EQ(*room.selector().SmoothedDbov("a"), -127);  // faded to nothing, not to a denormal
  EXPECT_FALSE(room.selector().SmoothedDbov("nobody"));
}

// --- No flapping -------------------------------------------------------------

TEST(SpeakerSelector, LevelsWithinTheMarginNeverFlap) {
  uint32_t seed = 12345;
  const auto jitter = [&seed](double spanDb) {  // deterministic, in [0, spanDb)
    seed = seed * 1664525u + 1013904223u;
    return spanDb * (seed >> 8) / double(1u << 24);
  };
  struct Row {
    const char* what;
    size_t k;
    std::function<Levels(int)> levels;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"two alternate every tick, 5 dB apart", 1,
       [](int t) { return Levels{{"a", t % 2 ? -20.0 : -25.0}, {"b", t % 2 ? -25.0 : -20.0}}; }},
      {"every 100 ms", 1,
       [](int t) { return Levels{{"a", t / 5 % 2 ? -20.0 : -25.0}, {"b", t / 5 % 2 ? -25.0 : -20.0}}; }},
      {"every 500 ms", 1,
       [](int t) { return Levels{{"a", t / 25 % 2 ? -20.0 : -25.0}, {"b", t / 25 % 2 ? -25.0 : -20.0}}; }},
      {"every 2 s", 1,
       [](int t) { return Levels{{"a", t / 100 % 2 ? -20.0 : -25.5}, {"b", t / 100 % 2 ? -25.5 : -20.0}}; }},
      {"three rotate through two slots", 2,
       [](int t) {
         const double l[3] = {-20, -22, -25};
         const int r = t / 10;
         return Levels{{"a", l[r % 3]}, {"b", l[(r + 1) % 3]}, {"c", l[(r + 2) % 3]}};
       }},
      {"four jitter within 5.9 dB for three slots", 3,
       [&jitter](int) {
         return Levels{{"a", -20 - jitter(5.9)}, {"b", -20 - jitter(5.9)}, {"c", -20 - jitter(5.9)},
                       {"d", -20 - jitter(5.9)}};
       }},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    Room room;
    room.Run(3000, row.levels, row.k);
    ASSERT_EQ(room.history().size(), row.k) << "only the first tick's promotions";
    for (const auto& [tick, change] : room.history()) EXPECT_EQ(tick, 1) << change;
  }
}

// Pauses between words cost the speaker a few dB of smoothed level; an
// equally loud challenger talking on must not get in through them, only
// through a pause long enough to be one.
TEST(SpeakerSelector, PausesBetweenWordsDoNotLetAnEquallyLoudChallengerIn) {
  struct Row {
    int pauseTicks;
    History expected;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {5, {{1, "+a"}}},
      {10, {{1, "+a"}}},
      // a's first pause starts at tick 21: b clears the margin from its
      // 7th tick and has talked over it for 10 ticks on the 16th.
      {20, {{1, "+a"}, {36, "-a"}, {36, "+b"}}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "pause " << row.pauseTicks << " ticks");
    Room room;
    // a talks 400 ms, pauses, talks again...; b talks on without a pause.
    room.Run(
        2000,
        [&](int t) {
          const bool aTalks = (t - 1) % (20 + row.pauseTicks) < 20;
          return Levels{{"a", aTalks ? -20.0 : kSilent}, {"b", -20.0}};
        },
        1);
    EXPECT_EQ(room.history(), row.expected);
  }
}

// --- A clear new speaker -----------------------------------------------------

TEST(SpeakerSelector, AClearNewSpeakerReplacesTheWeakestAfterTheHoldTime) {
  struct Row {
    double challenger;   // dBov, from the first tick of the challenge on
    int challengeTicks;  // how long the challenger makes a sound
    int promotedAt;      // tick of the challenge it is promoted on; 0: never
    int replacedAt;      // tick of the challenge b takes the slot back on; 0: never
  };
  // a at -30 and b at -35 hold both slots; the bar is b + 6 dB = -29 dBov
  // of smoothed level; once over it, 10 voiced ticks.
  // clang-format off
  const std::vector<Row> rows = {
      {-10, 1000, 10, 0},  // over the bar on its first tick
      {-20, 1000, 10, 0},  // -27.4 dBov smoothed on its first tick: over
      {-25, 1000, 12, 0},  // over from its 3rd tick
      {-28, 1000, 17, 0},  // from its 8th
      {-29.5, 1000, 0, 0},  // 5.5 dB over the weakest: within the margin
      {-35, 1000, 0, 0},
      {-40, 1000, 0, 0},
      {-10, 5, 0, 0},  // a 100 ms cough: loud, but not for long
      {-10, 9, 0, 0},
      // 200 ms of it is enough to get in, and then the steady speaker it
      // displaced wins the slot back the same way: once c's fading average
      // is 6 dB under b's (35 ticks), b talks over it for 10. Before c's
      // own keep time would have run out.
      {-10, 10, 10, 54},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << row.challenger << " dBov for " << row.challengeTicks << " ticks");
    Room room;
    room.Ticks(300, {{"a", -30}, {"b", -35}, {"c", kSilent}}, 2);
    ASSERT_EQ(room.Selected(), (std::vector<std::string>{"a", "b"}));
    const int start = room.tick();
    room.Run(
        1000,
        [&](int t) {
          const bool talking = t - start <= row.challengeTicks;
          return Levels{{"a", -30}, {"b", -35}, {"c", talking ? row.challenger : kSilent}};
        },
        2);
    History expected = {{1, "+a"}, {1, "+b"}};
    if (row.promotedAt) {
      expected.emplace_back(start + row.promotedAt, "-b");
      expected.emplace_back(start + row.promotedAt, "+c");
    }
    if (row.replacedAt) {
      expected.emplace_back(start + row.replacedAt, "-c");
      expected.emplace_back(start + row.replacedAt, "+b");
    }
    EXPECT_EQ(room.history(), expected);
  }
}

TEST(SpeakerSelector, ChallengerPausesCountNeitherForNorAgainst) {
  // 3 ticks on, 1 off: the 10th voiced tick over the bar is the 13th.
  Room room;
  room.Ticks(300, {{"a", -30}, {"b", -35}}, 2);
  const int start = room.tick();
  room.Run(
      100,
      [&](int t) {
        return Levels{{"a", -30}, {"b", -35}, {"c", (t - start) % 4 ? -20.0 : kSilent}};
      },
      2);
  EXPECT_EQ(room.history(), (History{{1, "+a"}, {1, "+b"}, {start + 13, "-b"}, {start + 13, "+c"}}));
}

// --- Silence -----------------------------------------------------------------

TEST(SpeakerSelector, SilenceDemotesAfterTheKeepTime) {
  struct Row {
    const char* what;
    std::function<Levels()> after;  // once a has talked for 100 ticks
    int demotedAt;                  // ticks after the last voiced one; 0: never
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"digital silence (127)", [] { return Levels{{"a", kSilent}}; }, 50},
      {"no packets at all (DTX, loss)", [] { return Levels{}; }, 50},
      {"just under the threshold", [] { return Levels{{"a", -60.5}}; }, 50},
      {"at the threshold: still a sound", [] { return Levels{{"a", -60.0}}; }, 0},
      {"NaN is silence", [] { return Levels{{"a", std::nan("")}}; }, 50},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    Room room;
    room.Ticks(100, {{"a", -20}}, 3);
    room.Ticks(200, row.after(), 3);
    const History expected = row.demotedAt ? History{{1, "+a"}, {100 + row.demotedAt, "-a"}} : History{{1, "+a"}};
    EXPECT_EQ(room.history(), expected);
  }
}

TEST(SpeakerSelector, PausesShorterThanTheKeepTimeDoNotDemote) {
  struct Row {
    int talkTicks;
    int pauseTicks;
    bool demoted;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {15, 10, false},  // 300 ms talk, 200 ms pause: words
      {50, 25, false},  // sentences
      {15, 49, false},  // 980 ms: just inside the keep time
      {15, 50, true},   // 1 s: demoted on the last silent tick, back on the next
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << row.talkTicks << " on, " << row.pauseTicks << " off");
    Room room;
    const int period = row.talkTicks + row.pauseTicks;
    room.Run(
        20 * period,
        [&](int t) {
          return Levels{{"a", (t - 1) % period < row.talkTicks ? -20.0 : kSilent}};
        },
        3);
    if (!row.demoted) {
      EXPECT_EQ(room.history(), (History{{1, "+a"}}));
      continue;
    }
    ASSERT_GE(room.history().size(), 3u);
    EXPECT_EQ(room.history()[1], (std::pair<int, std::string>{row.talkTicks + row.pauseTicks, "-a"}));
    EXPECT_EQ(room.history()[2], (std::pair<int, std::string>{period + 1, "+a"}));
  }
}

// --- K -----------------------------------------------------------------------

TEST(SpeakerSelector, KLargerThanTheRoomSelectsWhoeverSpeaks) {
  Room room;
  room.Tick({{"a", -30}, {"b", kSilent}, {"c", -40}}, 5);
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"a", "c"}));
  room.Tick({{"a", -30}, {"b", -50}, {"c", -40}}, 5);  // a free slot waits for nobody
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(room.history(), (History{{1, "+a"}, {1, "+c"}, {2, "+b"}}));
}

TEST(SpeakerSelector, ChangingKDemotesTheWeakestOrFillsAtOnce) {
  Room room;
  const Levels levels = {{"a", -10}, {"b", -20}, {"c", -30}, {"d", -40}};
  room.Ticks(100, levels, 3);
  room.Tick(levels, 1);
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"a"}));
  room.Tick(levels, 4);
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"a", "b", "c", "d"}));
  room.Tick(levels, 0);
  EXPECT_TRUE(room.Selected().empty());
  EXPECT_EQ(room.history(), (History{{1, "+a"},
                                     {1, "+b"},
                                     {1, "+c"},
                                     {101, "-c"},
                                     {101, "-b"},
                                     {102, "+b"},
                                     {102, "+c"},
                                     {102, "+d"},
                                     {103, "-d"},
                                     {103, "-c"},
                                     {103, "-b"},
                                     {103, "-a"}}));
}

// --- Ties --------------------------------------------------------------------

TEST(SpeakerSelector, TiesGoToWhoeverWasSeenFirst) {
  struct Row {
    Levels levels;
    std::string selected;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {{{"a", -20}, {"b", -20}}, "a"},
      {{{"b", -20}, {"a", -20}}, "b"},
      {{{"b", -20}, {"a", -20}, {"c", -20}}, "b"},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(row.selected);
    for (auto options : {SpeakerSelector::Options{}, Unsmoothed()}) {
      Room room(options);
      room.Ticks(500, row.levels, 1);
      EXPECT_EQ(room.history(), (History{{1, "+" + row.selected}}));
    }
  }
}

TEST(SpeakerSelector, ATieForAFreeSlotGoesToTheEarliestSpeaker) {
  Room room(Unsmoothed());
  room.Tick({{"b", kSilent}, {"x", -10}}, 1);              // b is seen first, silent
  room.Tick({{"b", kSilent}, {"x", -10}, {"a", -20}}, 1);  // a starts speaking
  room.Tick({{"b", -20}, {"x", -10}, {"a", -20}}, 1);      // then b, just as loud
  EXPECT_TRUE(room.selector().Remove("x"));
  room.Tick({{"b", -20}, {"a", -20}}, 1);
  EXPECT_EQ(room.history(), (History{{1, "+x"}, {4, "+a"}}));
}

TEST(SpeakerSelector, ATieForTheWeakestDemotesTheLatestSpeaker) {
  Room room(Unsmoothed());
  room.Tick({{"a", -20}}, 2);
  room.Tick({{"a", -20}, {"b", -20}}, 2);
  room.Ticks(20, {{"a", -20}, {"b", -20}, {"c", -5}}, 2);
  EXPECT_EQ(room.history(), (History{{1, "+a"}, {2, "+b"}, {12, "-b"}, {12, "+c"}}));
}

TEST(SpeakerSelector, SameInputsSameChoices) {
  const auto scenario = [] {
    Room room;
    uint32_t seed = 99;
    room.Run(
        3000,
        [&seed](int) {
          Levels levels;
          for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
            seed = seed * 1664525u + 1013904223u;
            levels.emplace_back(id, -10.0 - (seed >> 8) % 60);
          }
          return levels;
        },
        2);
    return room.history();
  };
  const History first = scenario();
  EXPECT_GT(first.size(), 2u);  // wide random levels do change the choice
  EXPECT_EQ(scenario(), first);
}

// --- Leaving -----------------------------------------------------------------

TEST(SpeakerSelector, ALeavingSpeakerIsRemovedAtOnce) {
  Room room;
  room.Ticks(100, {{"a", -10}, {"b", -20}, {"c", -30}}, 2);
  ASSERT_EQ(room.Selected(), (std::vector<std::string>{"a", "b"}));

  EXPECT_TRUE(room.selector().Remove("a"));
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"b"}));  // before any tick
  EXPECT_FALSE(room.selector().IsSelected("a"));
  EXPECT_EQ(room.selector().ParticipantCount(), 2u);
  EXPECT_FALSE(room.selector().Remove("a"));
  EXPECT_FALSE(room.selector().Remove("nobody"));

  room.Tick({{"b", -20}, {"c", -30}}, 2);  // the free slot goes at once
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(room.history().back(), (std::pair<int, std::string>{101, "+c"}));

  EXPECT_TRUE(room.selector().Remove(room.selector().Selected().front()));  // a view of our own string
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"c"}));

  // Back again: a new participant, heard at once since a slot is free.
  room.Tick({{"c", -30}, {"a", -10}}, 2);
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"c", "a"}));
}

TEST(SpeakerSelector, RemovingSomeoneElseKeepsEveryoneElsesState) {
  Room room;
  room.Ticks(100, {{"a", -40}, {"b", -45}, {"c", -20}, {"d", -25}}, 2);
  ASSERT_EQ(room.Selected(), (std::vector<std::string>{"c", "d"}));
  EXPECT_FALSE(room.selector().Remove("a"));  // not selected
  EXPECT_TRUE(room.selector().IsSelected("c"));
  EXPECT_TRUE(room.selector().IsSelected("d"));
  EXPECT_FALSE(room.selector().IsSelected("b"));
  EXPECT_NEAR(*room.selector().SmoothedDbov("c"), -20, 1e-6);
  // d falls silent: still demoted on time, the keep time after its last sound.
  room.Ticks(60, {{"b", kSilent}, {"c", -20}}, 2);
  EXPECT_EQ(room.history().back(), (std::pair<int, std::string>{150, "-d"}));
  EXPECT_EQ(room.Selected(), (std::vector<std::string>{"c"}));
}

// --- A large room ------------------------------------------------------------

// A thousand participants, three talking, the rest a noise floor of which
// some ticks cross the silence threshold; then one talker hands over to a
// new one. Checks the choice and that a steady tick allocates nothing;
// the time a tick takes is printed, not asserted.
TEST(SpeakerSelector, AThousandParticipants) {
  constexpr int kParticipants = 1000;
  std::vector<std::string> ids;
  for (int i = 0; i < kParticipants; ++i) ids.push_back("p" + std::to_string(i));
  std::vector<SpeakerSelector::Level> levels(kParticipants);
  for (int i = 0; i < kParticipants; ++i) levels[i].participant = ids[i];
  uint32_t seed = 7;
  const auto fill = [&](bool handOver) {
    for (int i = 0; i < kParticipants; ++i) {
      seed = seed * 1664525u + 1013904223u;
      const double wobble = (seed >> 8) / double(1u << 24);  // 0..1
      const bool talking = i == 0 || i == 2 || (i == 1 && !handOver) || (i == 500 && handOver);
      levels[i].dbov = talking ? -18 - 4 * wobble : -72 + 15 * wobble;  // noise up to -57
    }
  };

  SpeakerSelector selector;
  std::vector<std::string> history;
  const auto tick = [&] {
    const auto& changes = selector.Tick(levels, 3);
    for (const auto& id : changes.demoted) history.push_back("-" + id);
    for (const auto& id : changes.promoted) history.push_back("+" + id);
    ASSERT_LE(selector.Selected().size(), 3u);
  };
  fill(false);
  tick();
  // The talkers' order among themselves is the first tick's wobble.
  std::sort(history.begin(), history.end());
  EXPECT_EQ(history, (std::vector<std::string>{"+p0", "+p1", "+p2"}));

  const auto start = std::chrono::steady_clock::now();
  const size_t allocations = test::AllocationsDuring([&] {
    for (int t = 0; t < 500; ++t) {
      fill(false);
      tick();
    }
  });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (test::AllocationsCounted()) {
    EXPECT_EQ(allocations, 0u);
  }
  EXPECT_EQ(history.size(), 3u);
  std::printf("[ info     ] %d participants: %.1f us a tick\n", kParticipants,
              std::chrono::duration<double, std::micro>(elapsed).count() / 500);

  // p1 stops, p500 starts: p500 is in well before p1's keep time is up,
  // and nobody else moves.
  int ticks = 0;
  while (!selector.IsSelected("p500") && ticks < 50) {
    fill(true);
    tick();
    ++ticks;
  }
  EXPECT_LE(ticks, 20);
  for (int t = 0; t < 500; ++t) {
    fill(true);
    tick();
  }
  EXPECT_EQ(history, (std::vector<std::string>{"+p0", "+p1", "+p2", "-p1", "+p500"}));
}

}  // namespace
}  // namespace plenum::mixer
