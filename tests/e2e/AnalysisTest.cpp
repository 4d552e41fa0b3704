// The measurement helpers on synthetic signals with known answers.

#include "testclient/Analysis.hpp"
#include "testclient/SyncMarks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace plenum::test {
namespace {

constexpr double kRate = 48000.0;

std::vector<float> Tones(std::initializer_list<std::pair<double, double>> tones, std::size_t samples,
                         double noise = 0.0) {
  std::mt19937 generator(42);
  std::uniform_real_distribution<double> uniform(-noise, noise);
  std::vector<float> out(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    double value = uniform(generator);
    for (const auto& [frequency, amplitude] : tones)
      value += amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(i) / kRate + 0.3);
    out[i] = static_cast<float>(value);
  }
  return out;
}

TEST(GoertzelPower, MeasuresTheSquaredAmplitudeOfATone) {
  const auto samples = Tones({{440.0, 0.5}}, 48000);
  EXPECT_NEAR(GoertzelPower(samples, 440.0, kRate), 0.25, 0.01);
}

TEST(GoertzelPower, SeparatesTonesOfAMix) {
  const auto samples = Tones({{660.0, 0.25}, {990.0, 0.125}}, 48000);
  EXPECT_NEAR(GoertzelPower(samples, 660.0, kRate), 0.0625, 0.003);
  EXPECT_NEAR(GoertzelPower(samples, 990.0, kRate), 0.015625, 0.001);
  // 440 Hz is absent: only window leakage from 220 Hz away remains.
  EXPECT_LT(PowerRatioDb(GoertzelPower(samples, 440.0, kRate), GoertzelPower(samples, 660.0, kRate)), -80.0);
}

TEST(GoertzelPower, HandlesWindowsOfNonIntegerPeriodsAndTinyInputs) {
  const auto samples = Tones({{1000.0, 1.0}}, 4801);  // 100.02 periods
  EXPECT_NEAR(GoertzelPower(samples, 1000.0, kRate), 1.0, 0.02);
  EXPECT_EQ(GoertzelPower(std::vector<float>{}, 1000.0, kRate), 0.0);
  EXPECT_EQ(GoertzelPower(std::vector<float>{1.0f}, 1000.0, kRate), 0.0);
}

TEST(ToneLevelDb, GivesTheLevelOfOneToneAgainstAnother) {
  const auto samples = Tones({{440.0, 0.5}, {660.0, 0.25}}, 48000);
  EXPECT_NEAR(ToneLevelDb(samples, 660.0, 440.0, kRate), -6.02, 0.1);
  EXPECT_NEAR(ToneLevelDb(samples, 440.0, 660.0, kRate), 6.02, 0.1);
}

TEST(ToneLevelDb, ShowsAToneWellAboveANoiseFloor) {
  const auto samples = Tones({{990.0, 0.25}}, 48000, 0.01);
  EXPECT_GT(ToneLevelDb(samples, 990.0, 1500.0, kRate), 40.0);
}

TEST(PowerRatioDb, StaysFiniteForSilence) {
  EXPECT_TRUE(std::isfinite(PowerRatioDb(0.0, 0.0)));
  EXPECT_TRUE(std::isfinite(PowerRatioDb(1.0, 0.0)));
  EXPECT_LT(PowerRatioDb(0.0, 1.0), -150.0);
}

RgbFrame Frame(int width, int height, Rgb fill) {
  RgbFrame frame{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width * height * 3))};
  for (std::size_t i = 0; i < frame.rgb.size(); i += 3) {
    frame.rgb[i] = fill.r;
    frame.rgb[i + 1] = fill.g;
    frame.rgb[i + 2] = fill.b;
  }
  return frame;
}

void Paint(RgbFrame& frame, int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      std::uint8_t* px = &frame.rgb[static_cast<std::size_t>((y * frame.width + x) * 3)];
      px[0] = colour.r;
      px[1] = colour.g;
      px[2] = colour.b;
    }
  }
}

TEST(ColourShare, CountsPixelsWithinTolerance) {
  RgbFrame frame = Frame(100, 100, Rgb{0, 0, 0});
  Paint(frame, 0, 0, 50, 20, Rgb{250, 10, 5});   // 10 %: red, a little off
  Paint(frame, 50, 0, 100, 10, Rgb{0, 0, 255});  //  5 %: blue
  EXPECT_NEAR(ColourShare(frame, RgbFromArgb(0xFFFF0000), 16), 0.10, 1e-9);
  EXPECT_NEAR(ColourShare(frame, RgbFromArgb(0xFF0000FF), 16), 0.05, 1e-9);
  EXPECT_EQ(ColourShare(frame, RgbFromArgb(0xFF00FF00), 16), 0.0);
  // Too strict a tolerance misses the slightly shifted red.
  EXPECT_EQ(ColourShare(frame, RgbFromArgb(0xFFFF0000), 4), 0.0);
  EXPECT_NEAR(ColourShare(frame, Rgb{0, 0, 0}, 0), 0.85, 1e-9);
}

TEST(ColourShare, IsZeroForAnEmptyOrTruncatedFrame) {
  EXPECT_EQ(ColourShare(RgbFrame{}, Rgb{0, 0, 0}, 255), 0.0);
  RgbFrame truncated{10, 10, std::vector<std::uint8_t>(12)};
  EXPECT_EQ(ColourShare(truncated, Rgb{0, 0, 0}, 255), 0.0);
}

TEST(RgbFromArgb, IgnoresAlpha) {
  const Rgb colour = RgbFromArgb(0x80123456);
  EXPECT_EQ(colour.r, 0x12);
  EXPECT_EQ(colour.g, 0x34);
  EXPECT_EQ(colour.b, 0x56);
}

// Sync marks: a 3 kHz burst of 100 ms each second over a quieter tone, found
// to within a few milliseconds of where they start.
TEST(SyncMarks, FindsTheBurstsInAudioWhereTheyStart) {
  constexpr int kRate = 48000;
  std::vector<float> samples(3 * kRate);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double sinceMark = std::fmod(t - 0.3, kMarkPeriodSeconds);
    const bool inMark = t >= 0.3 && sinceMark < kMarkLengthSeconds;
    samples[i] = static_cast<float>(inMark ? 0.5 * std::sin(2 * std::numbers::pi * kMarkToneHz * t)
                                           : 0.25 * std::sin(2 * std::numbers::pi * 440.0 * t));
  }
  std::vector<double> level, times;
  MarkToneLevel(samples, kRate, 0.005, 0.001, &level, &times);
  const std::vector<double> onsets = FindMarkOnsets(level, times);
  ASSERT_EQ(onsets.size(), 3u);
  for (std::size_t i = 0; i < onsets.size(); ++i) EXPECT_NEAR(onsets[i], 0.3 + i, 0.005);
}

TEST(SyncMarks, FindsBrightFramesAndSkipsOneUnderWayAtTheStart) {
  // 30 frames a second; bright from 0 to 0.1 s (under way at the start)
  // and from 1.0 s and 2.0 s.
  std::vector<double> level, times;
  for (int frame = 0; frame < 90; ++frame) {
    const double t = frame / 30.0;
    times.push_back(t);
    level.push_back(std::fmod(t, 1.0) < 0.1 ? 200.0 : 40.0);
  }
  const std::vector<double> onsets = FindMarkOnsets(level, times);
  ASSERT_EQ(onsets.size(), 2u);
  EXPECT_NEAR(onsets[0], 1.0, 1e-9);
  EXPECT_NEAR(onsets[1], 2.0, 1e-9);
}

}  // namespace
}  // namespace plenum::test
