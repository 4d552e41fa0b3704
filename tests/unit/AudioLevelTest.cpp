// RFC 6464 levels: the extension byte, and mean square <-> -dBov, on exact
// values (rows in the manner of mediasoup's TestNackGenerator).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mixer/AudioLevel.hpp"

namespace plenum::mixer {
namespace {

TEST(AudioLevel, ParsesTheVoiceBitAndTheLevel) {
  struct Row {
    uint8_t data;
    AudioLevel::Indication expected;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {0x00, {0, false}},   {0x80, {0, true}},     {0x7f, {127, false}}, {0xff, {127, true}},
      {0x1e, {30, false}},  {0x9e, {30, true}},    {0x01, {1, false}},   {0x81, {1, true}},
      {0x7e, {126, false}}, {0xfe, {126, true}},   {0x40, {64, false}},  {0xc0, {64, true}},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "data 0x" << std::hex << int{row.data});
    EXPECT_EQ(AudioLevel::Parse(row.data), row.expected);
    EXPECT_EQ(AudioLevel::Encode(row.expected), row.data);
  }
}

TEST(AudioLevel, EveryByteRoundTrips) {
  for (int data = 0; data < 256; ++data)
    EXPECT_EQ(AudioLevel::Encode(AudioLevel::Parse(static_cast<uint8_t>(data))), data) << data;
}

TEST(AudioLevel, EncodeClampsALevelPastSilence) {
  EXPECT_EQ(AudioLevel::Encode({200, false}), 0x7f);
  EXPECT_EQ(AudioLevel::Encode({128, true}), 0xff);
}

TEST(AudioLevel, MeanSquareToLevelRoundsToTheNearestDecibel) {
  struct Row {
    double meanSquare;
    uint8_t level;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // clang-format off
  const std::vector<Row> rows = {
      {1.0, 0},                          // full-scale square wave: the overload point
      {4.0, 0},                          // past it (a float source): still 0
      {0.5, 3},                          // -3.0103 dBov
      {0.25, 6},                         // -6.0206
      {0.1, 10},                         // -10
      {0.01, 20},                        // -20
      {1e-3, 30},                        // -30
      {1e-6, 60},                        // -60
      {std::pow(10.0, -0.449), 4},       // -4.49: down
      {std::pow(10.0, -0.451), 5},       // -4.51: up
      {std::pow(10.0, -4.0049), 40},     // -40.049
      {std::pow(10.0, -4.0051), 40},     // -40.051 still nearer 40
      {std::pow(10.0, -4.0449), 40},     // -40.449
      {std::pow(10.0, -4.0551), 41},     // -40.551
      {std::pow(10.0, -12.64), 126},     // -126.4
      {std::pow(10.0, -12.66), 127},     // -126.6
      {std::pow(10.0, -12.7), 127},      // -127
      {1e-13, 127},                      // -130: clamped
      {1e-300, 127},                     // far below
      {0.0, 127},                        // digital silence MUST be 127
      {-1.0, 127},                       // nonsense in, silence out
      {nan, 127},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "mean square " << row.meanSquare);
    EXPECT_EQ(AudioLevel::FromMeanSquare(row.meanSquare), row.level);
  }
}

TEST(AudioLevel, LevelToMeanSquareIsTheExactInverse) {
  struct Row {
    uint8_t level;
    double meanSquare;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {0, 1.0}, {10, 0.1}, {20, 0.01}, {30, 1e-3}, {60, 1e-6}, {127, std::pow(10.0, -12.7)}, {200, std::pow(10.0, -12.7)},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "level " << int{row.level});
    EXPECT_DOUBLE_EQ(AudioLevel::ToMeanSquare(row.level), row.meanSquare);
  }
  for (int level = 0; level <= 127; ++level) {
    const auto n = static_cast<uint8_t>(level);
    EXPECT_EQ(AudioLevel::FromMeanSquare(AudioLevel::ToMeanSquare(n)), n) << level;
  }
}

TEST(AudioLevel, DbovKeepsTheFractionAndClamps) {
  struct Row {
    double meanSquare;
    double dbov;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {1.0, 0.0},   {2.0, 0.0},         {0.1, -10.0},    {0.5, -3.010299956639812},
      {1e-6, -60.0}, {1e-13, -127.0},   {0.0, -127.0},   {std::numeric_limits<double>::quiet_NaN(), -127.0},
  };
  // clang-format on
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "mean square " << row.meanSquare);
    EXPECT_DOUBLE_EQ(AudioLevel::MeanSquareToDbov(row.meanSquare), row.dbov);
  }
  EXPECT_EQ(AudioLevel::ToDbov(0), 0.0);
  EXPECT_EQ(AudioLevel::ToDbov(42), -42.0);
  EXPECT_EQ(AudioLevel::ToDbov(127), -127.0);
  EXPECT_EQ(AudioLevel::ToDbov(255), -127.0);
}

TEST(AudioLevel, MeanSquareOfAFrameUsesFullScale32768) {
  struct Row {
    std::vector<int16_t> samples;
    double meanSquare;
    uint8_t level;
  };
  // clang-format off
  const std::vector<Row> rows = {
      {std::vector<int16_t>(960, -32768), 1.0, 0},
      {{-32768, 32767}, (1.0 + (32767.0 / 32768) * (32767.0 / 32768)) / 2, 0},
      {std::vector<int16_t>(960, 16384), 0.25, 6},
      {{16384, -16384, 16384, -16384}, 0.25, 6},
      {{32767, 0, 0, 0}, (32767.0 / 32768) * (32767.0 / 32768) / 4, 6},
      {std::vector<int16_t>(960, 0), 0.0, 127},
      {{}, 0.0, 127},
      {{1}, 1.0 / (32768.0 * 32768.0), 90},  // one LSB: -90.3 dBov
  };
  // clang-format on
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "row " << i);
    const double meanSquare = AudioLevel::MeanSquare(rows[i].samples);
    EXPECT_DOUBLE_EQ(meanSquare, rows[i].meanSquare);
    EXPECT_EQ(AudioLevel::FromMeanSquare(meanSquare), rows[i].level);
  }
}

}  // namespace
}  // namespace plenum::mixer
