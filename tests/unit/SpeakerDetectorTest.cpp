#include <gtest/gtest.h>

#include "mixer/SpeakerDetector.hpp"

namespace plenum::mixer {
namespace {

constexpr double kLoud = 0.1;    // -10 dBFS
constexpr double kQuiet = 1e-4;  // -40 dBFS
constexpr double kSilent = 0.0;

TEST(SpeakerDetector, ReportsLoudestAfterHoldTime) {
  SpeakerDetector detector(5, -50.0);
  std::optional<std::string> change;
  int frames = 0;
  while (!change && frames < 100) {
    change = detector.Update({{"a", kLoud}, {"b", kQuiet}});
    ++frames;
  }
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "a");
  EXPECT_GE(frames, 5);
  // No repeated report while nothing changes.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(detector.Update({{"a", kLoud}, {"b", kQuiet}}));
}

TEST(SpeakerDetector, ShortBurstDoesNotStealTheFloor) {
  SpeakerDetector detector(15, -50.0);
  for (int i = 0; i < 100; ++i) detector.Update({{"a", kLoud}, {"b", kSilent}});
  ASSERT_EQ(detector.Current(), "a");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(detector.Update({{"a", kSilent}, {"b", 1.0}}));
  EXPECT_EQ(detector.Current(), "a");
}

TEST(SpeakerDetector, EquallyLoudPeopleDoNotFlipTheFloor) {
  SpeakerDetector detector(3, -50.0);
  int changes = 0;
  // Two talkers within 6 dB of each other, levels wobbling frame to frame.
  for (int i = 0; i < 500; ++i) {
    const double a = i % 7 < 3 ? kLoud : kLoud / 2;
    const double b = i % 5 < 2 ? kLoud : kLoud / 2;
    if (detector.Update({{"a", a}, {"b", b}})) ++changes;
  }
  EXPECT_EQ(changes, 1);
}

TEST(SpeakerDetector, ClearlyLouderChallengerTakesOver) {
  SpeakerDetector detector(3, -50.0);
  for (int i = 0; i < 50; ++i) detector.Update({{"a", kQuiet}, {"b", kSilent}});
  ASSERT_EQ(detector.Current(), "a");
  for (int i = 0; i < 50; ++i) detector.Update({{"a", kQuiet}, {"b", kLoud}});
  EXPECT_EQ(detector.Current(), "b");
}

TEST(SpeakerDetector, SilenceMeansNobody) {
  SpeakerDetector detector(3, -50.0);
  for (int i = 0; i < 50; ++i) detector.Update({{"a", kLoud}});
  ASSERT_EQ(detector.Current(), "a");
  std::optional<std::string> change;
  for (int i = 0; i < 200 && !change; ++i) change = detector.Update({{"a", kSilent}});
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "");
}

TEST(SpeakerDetector, DepartedSpeakerIsReplacedAtOnce) {
  SpeakerDetector detector(15, -50.0);
  for (int i = 0; i < 50; ++i) detector.Update({{"a", kLoud}, {"b", kQuiet}});
  ASSERT_EQ(detector.Current(), "a");
  auto change = detector.Update({{"b", kQuiet}});
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "b");
}

}  // namespace
}  // namespace plenum::mixer
