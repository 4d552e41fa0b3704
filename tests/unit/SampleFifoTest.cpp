#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "mixer/SampleFifo.hpp"

namespace plenum::mixer {
namespace {

std::vector<int16_t> Ramp(size_t n, int16_t start) {
  std::vector<int16_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(SampleFifo, PopsWholeFramesInOrder) {
  SampleFifo fifo(4);
  fifo.Push(Ramp(6, 0));
  std::vector<int16_t> out(4);
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(4, 0));
  EXPECT_FALSE(fifo.PopFrame(out));  // only 2 left
  fifo.Push(Ramp(2, 6));
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(4, 4));
  EXPECT_EQ(fifo.Size(), 0u);
}

TEST(SampleFifo, BacklogIsBoundedAndKeepsNewestSamples) {
  SampleFifo fifo(4);
  // Fill to the cap, then one more frame: the backlog drops to one frame
  // and the newest samples survive.
  fifo.Push(Ramp(4 * SampleFifo::kMaxFrames, 0));
  EXPECT_EQ(fifo.Size(), 4 * SampleFifo::kMaxFrames);
  fifo.Push(Ramp(4, 100));
  EXPECT_EQ(fifo.Size(), 4u);
  std::vector<int16_t> out(4);
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, Ramp(4, 100));
  EXPECT_EQ(fifo.DroppedSamples(), 4 * SampleFifo::kMaxFrames);
}

TEST(SampleFifo, SmallPushOverCapKeepsOneFrame) {
  SampleFifo fifo(4);
  fifo.Push(Ramp(16, 0));
  fifo.Push(Ramp(2, 50));
  EXPECT_EQ(fifo.Size(), 4u);
  std::vector<int16_t> out(4);
  ASSERT_TRUE(fifo.PopFrame(out));
  EXPECT_EQ(out, (std::vector<int16_t>{14, 15, 50, 51}));
}

}  // namespace
}  // namespace plenum::mixer
