#include "mixer/GridLayout.hpp"

#include <cmath>

namespace plenum::mixer {
namespace {

int Even(int value) { return value & ~1; }

int CeilSqrt(int n) {
  int root = static_cast<int>(std::sqrt(static_cast<double>(n)));
  while (root * root < n) ++root;
  while (root > 0 && (root - 1) * (root - 1) >= n) --root;
  return root;
}

}  // namespace

std::vector<Rect> ComputeGrid(int count, int width, int height) {
  std::vector<Rect> tiles;
  if (count <= 0 || width <= 0 || height <= 0) return tiles;
  const int columns = CeilSqrt(count);
  const int rows = (count + columns - 1) / columns;
  const int tileWidth = Even(width / columns);
  const int tileHeight = Even(height / rows);
  tiles.reserve(count);
  for (int i = 0; i < count; ++i) {
    tiles.push_back(Rect{(i % columns) * tileWidth, (i / columns) * tileHeight, tileWidth, tileHeight});
  }
  return tiles;
}

}  // namespace plenum::mixer
