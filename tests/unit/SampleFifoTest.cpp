#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "mixer/SampleFifo.hpp"

namespace plenum::mixer {
namespace {

constexpr size_t kFrame = 4;

std::vector<int16_t> Ramp(size_t n, int16_t start) {
  std::vector<int16_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(SampleFifo, WaitsForThePrimingBacklogThenPopsInOrder) {
  SampleFifo fifo(kFrame);
  std::vector<int16_t> out(kFrame);
  fifo.Push(Ramp(kFrame, 0));
  EXPECT_FALSE(fifo.PopFrame(out));  // one frame is not enough to start
  fifo.Push(Ramp(kFrame * (SampleFifo::kPrimeFrames - 1) + 2, kFrame));
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(kFrame, 0));
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(kFrame, kFrame));
}

TEST(SampleFifo, AfterRunningDryItPrimesAgain) {
  SampleFifo fifo(kFrame);
  std::vector<int16_t> out(kFrame);
  fifo.Push(Ramp(kFrame * SampleFifo::kPrimeFrames, 0));
  for (size_t i = 0; i < SampleFifo::kPrimeFrames; ++i) ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_FALSE(fifo.PopFrame(out));  // dry
  fifo.Push(Ramp(kFrame, 100));
  EXPECT_FALSE(fifo.PopFrame(out));  // priming again, not stuttering
  fifo.Push(Ramp(kFrame * (SampleFifo::kPrimeFrames - 1), 200));
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(kFrame, 100));
}

TEST(SampleFifo, BacklogIsBoundedAndKeepsNewestSamples) {
  SampleFifo fifo(kFrame);
  fifo.Push(Ramp(kFrame * SampleFifo::kMaxFrames, 0));
  EXPECT_EQ(fifo.Size(), kFrame * SampleFifo::kMaxFrames);
  fifo.Push(Ramp(kFrame, 1000));
  EXPECT_EQ(fifo.Size(), kFrame * SampleFifo::kPrimeFrames);
  EXPECT_EQ(fifo.DroppedSamples(), kFrame * (SampleFifo::kMaxFrames + 1 - SampleFifo::kPrimeFrames));
  std::vector<int16_t> out(kFrame);
  for (size_t i = 0; i + 1 < SampleFifo::kPrimeFrames; ++i) ASSERT_TRUE(fifo.PopFrame(out));
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(kFrame, 1000));  // the newest samples survived
}

TEST(SampleFifo, OversizedPushKeepsItsNewestPart) {
  SampleFifo fifo(kFrame);
  fifo.Push(Ramp(kFrame * 20, 0));
  EXPECT_LE(fifo.Size(), kFrame * SampleFifo::kMaxFrames);
  std::vector<int16_t> out(kFrame);
  std::vector<int16_t> last;
  while (fifo.PopFrame(out)) last = out;
  EXPECT_EQ(last, Ramp(kFrame, kFrame * 19));
}

TEST(SampleFifo, HeadTimeIsWhenTheNextSamplePoppedWasDue) {
  constexpr int kRate = 1000;  // one sample a millisecond
  SampleFifo fifo(kFrame);
  EXPECT_EQ(fifo.HeadTime(kRate), SampleFifo::kUnknownTime) << "no time pushed yet";
  // Three frames ending at 100 ms: the oldest sample was due at 88 ms.
  fifo.Push(Ramp(kFrame * 3, 0), 100'000'000);
  EXPECT_EQ(fifo.HeadTime(kRate), 88'000'000u);
  std::vector<int16_t> out(kFrame);
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(fifo.HeadTime(kRate), 92'000'000u);
  // A push without a time makes it unknown again.
  fifo.Push(Ramp(kFrame, 0));
  EXPECT_EQ(fifo.HeadTime(kRate), SampleFifo::kUnknownTime);
}

}  // namespace
}  // namespace plenum::mixer
