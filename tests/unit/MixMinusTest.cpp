// The mix-minus arithmetic on exact synthetic frames.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "mixer/MixMinus.hpp"
#include "mixer/SampleFifo.hpp"

namespace plenum::mixer {
namespace {

constexpr size_t kFrame = MixMinus::kFrameSamples;

std::vector<int16_t> Constant(int16_t value) { return std::vector<int16_t>(kFrame, value); }

// Inputs start playing once primed (SampleFifo::kPrimeFrames); tests feed
// one silent frame ahead of what they check so the frame under test is
// mixed on the second tick.
void Prime(MixMinus& mix, std::initializer_list<const char*> ids) {
  for (const char* id : ids)
    mix.Push(id, std::vector<int16_t>(MixMinus::kFrameSamples * (SampleFifo::kPrimeFrames - 1), 0));
}

// Adds participants and primes them, so the next frame each is given is
// the one the following Mix() mixes.
void Add(MixMinus& mix, std::initializer_list<const char*> ids) {
  for (const char* id : ids) mix.AddParticipant(id);
  Prime(mix, ids);
}

std::map<std::string, std::vector<int16_t>> MixOnce(MixMinus& mix, bool skipPrimingFrame = true) {
  std::vector<MixMinus::Output> outputs;
  if (skipPrimingFrame) mix.MixFrame(outputs);
  mix.MixFrame(outputs);
  std::map<std::string, std::vector<int16_t>> byParticipant;
  for (auto& out : outputs) byParticipant[out.participant] = out.samples;
  return byParticipant;
}

TEST(MixMinus, EachParticipantGetsEveryoneButThemselves) {
  MixMinus mix;
  Add(mix, {"a", "b", "c"});
  mix.Push("a", Constant(100));
  mix.Push("b", Constant(20));
  mix.Push("c", Constant(3));
  auto out = MixOnce(mix);
  EXPECT_EQ(out["a"], Constant(23));
  EXPECT_EQ(out["b"], Constant(103));
  EXPECT_EQ(out["c"], Constant(120));
}

TEST(MixMinus, SampleBySampleNotJustConstants) {
  MixMinus mix;
  Add(mix, {"a", "b"});
  std::vector<int16_t> a(kFrame), b(kFrame);
  for (size_t i = 0; i < kFrame; ++i) {
    a[i] = static_cast<int16_t>(i);
    b[i] = static_cast<int16_t>(-3 * static_cast<int>(i));
  }
  mix.Push("a", a);
  mix.Push("b", b);
  auto out = MixOnce(mix);
  EXPECT_EQ(out["a"], b);
  EXPECT_EQ(out["b"], a);
}

// The room sum overflows 16 bits, but a participant whose own voice caused
// it hears the others exactly: clipping happens once, after subtracting.
TEST(MixMinus, ClipsAfterSubtractingNotBefore) {
  MixMinus mix;
  Add(mix, {"loud", "x", "y"});
  mix.Push("loud", Constant(30000));
  mix.Push("x", Constant(10000));
  mix.Push("y", Constant(-5000));
  auto out = MixOnce(mix);
  EXPECT_EQ(out["loud"], Constant(5000));  // 10000 - 5000, exact
  EXPECT_EQ(out["x"], Constant(25000));    // 30000 - 5000
  EXPECT_EQ(out["y"], Constant(32767));    // 40000 clipped
}

TEST(MixMinus, ClipsNegativeFullScale) {
  MixMinus mix;
  Add(mix, {"a", "b", "c"});
  mix.Push("a", Constant(-32768));
  mix.Push("b", Constant(-32768));
  mix.Push("c", Constant(-32768));
  auto out = MixOnce(mix);
  EXPECT_EQ(out["a"], Constant(-32768));  // -65536 clipped
}

TEST(MixMinus, ClipToSampleBounds) {
  EXPECT_EQ(MixMinus::ClipToSample(40000), 32767);
  EXPECT_EQ(MixMinus::ClipToSample(-40000), -32768);
  EXPECT_EQ(MixMinus::ClipToSample(-1), -1);
}

TEST(MixMinus, SilentWhenAlone) {
  MixMinus mix;
  Add(mix, {"solo"});
  mix.Push("solo", Constant(1234));
  auto out = MixOnce(mix);
  EXPECT_EQ(out["solo"], Constant(0));
}

TEST(MixMinus, UnderrunContributesSilenceAndIsCounted) {
  MixMinus mix;
  Add(mix, {"a"});
  mix.AddParticipant("late");  // not primed
  mix.Push("a", Constant(7));
  mix.Push("late", std::vector<int16_t>(kFrame / 2, 9));  // half a frame only
  auto out = MixOnce(mix);
  EXPECT_EQ(out["a"], Constant(0));
  EXPECT_EQ(out["late"], Constant(7));
  EXPECT_EQ(mix.Underruns("late"), 2u);  // both ticks
  EXPECT_EQ(mix.Underruns("a"), 0u);
  // The half frame is kept; once primed, it plays first.
  mix.Push("late", std::vector<int16_t>(kFrame * 3 / 2, 9));
  mix.Push("a", Constant(0));
  out = MixOnce(mix, false);
  EXPECT_EQ(out["a"], Constant(9));
}

TEST(MixMinus, OwnLevelIsMeanSquareOfOwnFrame) {
  MixMinus mix;
  Add(mix, {"a"});
  mix.Push("a", Constant(16384));  // half scale -> 0.25
  std::vector<MixMinus::Output> outputs;
  mix.MixFrame(outputs);
  mix.MixFrame(outputs);
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_DOUBLE_EQ(outputs[0].ownLevel, 0.25);
}

TEST(MixMinus, RemovedParticipantNoLongerMixed) {
  MixMinus mix;
  Add(mix, {"a", "b"});
  mix.Push("a", Constant(5));
  mix.Push("b", Constant(6));
  mix.RemoveParticipant("b");
  mix.Push("b", Constant(6));  // ignored: unknown participant
  auto out = MixOnce(mix);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out["a"], Constant(0));
}

TEST(MixMinus, EachOutputSaysWhenItsOwnFrameWasDue) {
  MixMinus mix;
  for (const char* id : {"a", "b"}) mix.AddParticipant(id);
  constexpr size_t kPrimed = MixMinus::kFrameSamples * SampleFifo::kPrimeFrames;
  // a's next frame was due at 1.000 s (two frames end at 1.040 s); b has
  // no times.
  mix.Push("a", std::vector<int16_t>(kPrimed, 1), 1'040'000'000);
  mix.Push("b", std::vector<int16_t>(kPrimed, 1));
  std::vector<MixMinus::Output> outputs;
  std::map<std::string, uint64_t> due;
  const auto mixOnce = [&] {
    mix.MixFrame(outputs);
    for (const auto& out : outputs) due[out.participant] = out.dueTime;
  };
  mixOnce();
  EXPECT_EQ(due["a"], 1'000'000'000u);
  EXPECT_EQ(due["b"], SampleFifo::kUnknownTime);
  mixOnce();
  EXPECT_EQ(due["a"], 1'020'000'000u);
  mixOnce();  // a ran dry
  EXPECT_EQ(due["a"], SampleFifo::kUnknownTime);
}

}  // namespace
}  // namespace plenum::mixer
