// The composite's grid layout (PROTOCOL.md section 3) as pure arithmetic.
#pragma once

#include <vector>

namespace plenum::mixer {

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool operator==(const Rect&) const = default;
};

// Tiles for `count` participants on a `width` x `height` canvas: in join
// order, row-major, ceil(sqrt(count)) columns and as many rows as needed.
// Tiles are whole pixels with even sizes (I420 chroma needs it); leftover
// pixels stay black at the right and bottom edges.
std::vector<Rect> ComputeGrid(int count, int width, int height);

}  // namespace plenum::mixer
