#include <gtest/gtest.h>

#include "mixer/GridLayout.hpp"

namespace plenum::mixer {
namespace {

struct GridCase {
  int count;
  int columns;
  int rows;
};

class GridShape : public ::testing::TestWithParam<GridCase> {};

TEST_P(GridShape, CeilSqrtColumnsRowMajor) {
  const GridCase c = GetParam();
  const auto tiles = ComputeGrid(c.count, 1280, 720);
  ASSERT_EQ(static_cast<int>(tiles.size()), c.count);
  const int tileWidth = (1280 / c.columns) & ~1;
  const int tileHeight = (720 / c.rows) & ~1;
  for (int i = 0; i < c.count; ++i) {
    EXPECT_EQ(tiles[i], (Rect{(i % c.columns) * tileWidth, (i / c.columns) * tileHeight, tileWidth, tileHeight}))
        << "tile " << i;
    EXPECT_LE(tiles[i].x + tiles[i].width, 1280);
    EXPECT_LE(tiles[i].y + tiles[i].height, 720);
  }
}

INSTANTIATE_TEST_SUITE_P(Counts, GridShape,
                         ::testing::Values(GridCase{1, 1, 1}, GridCase{2, 2, 1}, GridCase{3, 2, 2}, GridCase{4, 2, 2},
                                           GridCase{5, 3, 2}, GridCase{9, 3, 3}, GridCase{10, 4, 3}, GridCase{16, 4, 4},
                                           GridCase{17, 5, 4}, GridCase{64, 8, 8}));

TEST(GridLayout, EmptyForNothing) {
  EXPECT_TRUE(ComputeGrid(0, 1280, 720).empty());
  EXPECT_TRUE(ComputeGrid(3, 0, 720).empty());
}

TEST(GridLayout, TilesAreEvenSized) {
  for (int n = 1; n <= 40; ++n) {
    for (const Rect& r : ComputeGrid(n, 642, 362)) {
      EXPECT_EQ(r.width % 2, 0);
      EXPECT_EQ(r.height % 2, 0);
    }
  }
}

}  // namespace
}  // namespace plenum::mixer
