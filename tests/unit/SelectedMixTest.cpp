// The selected speakers' mix on exact synthetic frames: the full mix for
// everyone else, and the sum minus their own for each selected speaker.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "AllocationCounter.hpp"
#include "mixer/SelectedMix.hpp"

namespace plenum::mixer {
namespace {

constexpr size_t kFrame = SelectedMix::kFrameSamples;

std::vector<int16_t> Constant(int16_t value) { return std::vector<int16_t>(kFrame, value); }

std::vector<int16_t> Copy(std::span<const int16_t> samples) { return {samples.begin(), samples.end()}; }

void MixFrames(SelectedMix& mix, const std::vector<std::vector<int16_t>>& frames) {
  std::vector<std::span<const int16_t>> views(frames.begin(), frames.end());
  mix.Mix(views);
}

// One row per tick of constant frames: what each selected speaker sends,
// what the others hear, what each speaker hears.
struct Row {
  const char* what;
  std::vector<int16_t> speakers;
  int16_t full;
  std::vector<int16_t> minusOwn;
};

TEST(SelectedMix, ConstantFrames) {
  const std::vector<Row> rows = {
      {"zero speakers: silence for everyone", {}, 0, {}},
      {"one speaker hears silence", {1234}, 1234, {0}},
      {"one speaker at full scale", {-32768}, -32768, {0}},
      {"two", {100, 20}, 120, {20, 100}},
      {"three", {100, 20, 3}, 123, {23, 103, 120}},
      {"opposite signs cancel", {5000, -5000}, 0, {-5000, 5000}},
      // The sum overflows 16 bits; the full mix clips, but the loud
      // speaker hears the others exactly, and only what the others hear
      // past full scale is clipped, once.
      {"loud own voice", {30000, 10000, -5000}, 32767, {5000, 25000, 32767}},
      {"clips at the top", {20000, 20000, 20000}, 32767, {32767, 32767, 32767}},
      {"clips at the bottom", {-32768, -32768, -32768}, -32768, {-32768, -32768, -32768}},
      {"bottom, own voice excepted", {-32768, -100, -200}, -32768, {-300, -32768, -32768}},
      {"exactly full scale is not clipped", {32000, 767}, 32767, {767, 32000}},
      {"one past full scale is", {32000, 768}, 32767, {768, 32000}},
      {"exactly negative full scale", {-32000, -768}, -32768, {-768, -32000}},
      {"one below it", {-32000, -769}, -32768, {-769, -32000}},
  };
  SelectedMix mix;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    std::vector<std::vector<int16_t>> frames;
    for (int16_t value : row.speakers) frames.push_back(Constant(value));
    MixFrames(mix, frames);
    EXPECT_EQ(Copy(mix.FullMix()), Constant(row.full));
    ASSERT_EQ(mix.SpeakerCount(), row.minusOwn.size());
    for (size_t i = 0; i < row.minusOwn.size(); ++i) EXPECT_EQ(Copy(mix.MinusOwn(i)), Constant(row.minusOwn[i])) << i;
  }
}

TEST(SelectedMix, SampleBySample) {
  std::vector<int16_t> a(kFrame), b(kFrame), c(kFrame);
  for (size_t i = 0; i < kFrame; ++i) {
    a[i] = static_cast<int16_t>(i);
    b[i] = static_cast<int16_t>(-3 * static_cast<int>(i));
    c[i] = static_cast<int16_t>(i % 2 ? 30000 : -30000);
  }
  SelectedMix mix;
  MixFrames(mix, {a, b, c});
  for (size_t i = 0; i < kFrame; ++i) {
    const int32_t sum = a[i] + b[i] + c[i];
    SCOPED_TRACE(testing::Message() << "sample " << i);
    EXPECT_EQ(mix.FullMix()[i], SelectedMix::ClipToSample(sum));
    EXPECT_EQ(mix.MinusOwn(0)[i], SelectedMix::ClipToSample(b[i] + c[i]));
    EXPECT_EQ(mix.MinusOwn(1)[i], SelectedMix::ClipToSample(a[i] + c[i]));
    EXPECT_EQ(mix.MinusOwn(2)[i], a[i] + b[i]);  // the loud one hears the others unclipped
  }
}

// A decoder that produced nothing this tick, or a short frame, must not
// fail the tick: what is missing is silence.
TEST(SelectedMix, MissingAndShortFramesAreSilence) {
  SelectedMix mix;
  const std::vector<int16_t> loud = Constant(1000);
  const std::vector<int16_t> half(kFrame / 2, 7);
  std::vector<int16_t> longer(kFrame + 10, 3);
  std::vector<std::span<const int16_t>> frames = {loud, {}, half, longer};
  mix.Mix(frames);

  std::vector<int16_t> full(kFrame), minusLoud(kFrame), minusHalf(kFrame), minusLonger(kFrame);
  for (size_t i = 0; i < kFrame; ++i) {
    const int16_t h = i < kFrame / 2 ? 7 : 0;
    full[i] = static_cast<int16_t>(1000 + h + 3);
    minusLoud[i] = static_cast<int16_t>(h + 3);
    minusHalf[i] = 1003;
    minusLonger[i] = static_cast<int16_t>(1000 + h);
  }
  EXPECT_EQ(Copy(mix.FullMix()), full);
  EXPECT_EQ(Copy(mix.MinusOwn(0)), minusLoud);
  EXPECT_EQ(Copy(mix.MinusOwn(1)), full);  // contributed nothing, hears everything
  EXPECT_EQ(Copy(mix.MinusOwn(2)), minusHalf);
  EXPECT_EQ(Copy(mix.MinusOwn(3)), minusLonger);
}

TEST(SelectedMix, FewerSpeakersThanLastTickLeavesNoStaleOutput) {
  SelectedMix mix;
  MixFrames(mix, {Constant(1), Constant(2), Constant(4)});
  MixFrames(mix, {Constant(8)});
  EXPECT_EQ(mix.SpeakerCount(), 1u);
  EXPECT_EQ(Copy(mix.FullMix()), Constant(8));
  EXPECT_EQ(Copy(mix.MinusOwn(0)), Constant(0));
  EXPECT_THROW(mix.MinusOwn(1), std::out_of_range);
}

TEST(SelectedMix, SteadyStateAllocatesNothing) {
  SelectedMix mix;
  const std::vector<int16_t> a = Constant(1), b = Constant(2), c = Constant(3);
  std::vector<std::span<const int16_t>> three = {a, b, c};
  std::vector<std::span<const int16_t>> two = {a, b};
  mix.Mix(three);  // grows to three speakers once
  const size_t allocations = test::AllocationsDuring([&] {
    for (int tick = 0; tick < 100; ++tick) mix.Mix(tick % 3 ? std::span(three) : std::span(two));
  });
  if (test::AllocationsCounted()) {
    EXPECT_EQ(allocations, 0u);
  }
}

// The steady-state checks above and in the other audio-engine tests apply
// only where the counter sees allocations; make sure that is everywhere but
// under valgrind (whose preloaded allocator takes operator new over), so a
// broken counter cannot quietly turn them off.
TEST(AllocationCounter, CountsUnlessValgrindOwnsTheHeap) {
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload && std::strstr(preload, "vgpreload")) return;
  EXPECT_TRUE(test::AllocationsCounted());
}

}  // namespace
}  // namespace plenum::mixer
