#pragma once

#include <cstdint>
#include <vector>

namespace plenum::test {

// One decoded video frame, 8-bit RGB, rows packed without padding.
struct RgbFrame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3 bytes

  bool Empty() const { return width <= 0 || height <= 0 || rgb.empty(); }
};

struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
};

// The colour videotestsrc paints for an ARGB foreground-color value.
constexpr Rgb RgbFromArgb(std::uint32_t argb) {
  return Rgb{static_cast<std::uint8_t>(argb >> 16), static_cast<std::uint8_t>(argb >> 8),
             static_cast<std::uint8_t>(argb)};
}

}  // namespace plenum::test
