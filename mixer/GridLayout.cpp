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

Rect FitInside(int sourceWidth, int sourceHeight, const Rect& tile) {
  if (sourceWidth <= 0 || sourceHeight <= 0) return tile;
  // Compare aspect ratios in integers: source is wider than the tile when
  // sw/sh > tw/th.
  const long long wide = static_cast<long long>(sourceWidth) * tile.height;
  const long long tall = static_cast<long long>(tile.width) * sourceHeight;
  int width = tile.width;
  int height = tile.height;
  if (wide > tall) {
    height = Even(static_cast<int>(static_cast<long long>(tile.width) * sourceHeight / sourceWidth));
  } else if (wide < tall) {
    width = Even(static_cast<int>(static_cast<long long>(tile.height) * sourceWidth / sourceHeight));
  }
  return Rect{tile.x + Even((tile.width - width) / 2), tile.y + Even((tile.height - height) / 2), width, height};
}

}  // namespace plenum::mixer
