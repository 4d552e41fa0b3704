// mcu::SecretsEqual, which the API key and room token signatures are
// checked with: right answers for near misses, and a time that does not
// depend on where the two differ.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "mcu/SecretCompare.hpp"

namespace plenum {
namespace {

using mcu::SecretsEqual;

TEST(SecretsEqual, OnlyTheSameBytesAreEqual) {
  const std::string key = "k3y-0f-the-server";
  EXPECT_TRUE(SecretsEqual(key, key));
  EXPECT_TRUE(SecretsEqual(std::string(key), key));
  EXPECT_TRUE(SecretsEqual("", ""));
  EXPECT_FALSE(SecretsEqual("", key));
  EXPECT_FALSE(SecretsEqual(key, ""));
  EXPECT_FALSE(SecretsEqual(key.substr(0, key.size() - 1), key)) << "a prefix";
  EXPECT_FALSE(SecretsEqual(key + "x", key)) << "the key and one more character";
  EXPECT_FALSE(SecretsEqual("K3y-0f-the-server", key)) << "another case";
  EXPECT_FALSE(SecretsEqual(key + std::string(1, '\0'), key)) << "a trailing NUL";
  EXPECT_FALSE(SecretsEqual(std::string_view("ab\0cd", 5), std::string_view("ab\0ce", 5))) << "past a NUL";
  EXPECT_TRUE(SecretsEqual(std::string_view("ab\0cd", 5), std::string_view("ab\0cd", 5)));
}

// The shortest of `runs` timings of one comparison: the minimum, unlike a
// mean, is not moved by other processes taking the core.
std::chrono::nanoseconds FastestOf(int runs, const std::string& presented, const std::string& expected) {
  auto best = std::chrono::nanoseconds::max();
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const bool equal = SecretsEqual(presented, expected);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(equal);
    best = std::min(best, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
  }
  return best;
}

// Over a 1 MiB secret, an early-exit comparison answers a first-byte
// mismatch a thousand times faster than a last-byte one; this one takes
// the same time for both (within a factor of 2, far from that thousand).
TEST(SecretsEqual, TakesTheSameTimeWhereverTheyDiffer) {
  const std::string expected(1 << 20, 'k');
  std::string firstDiffers = expected;
  firstDiffers.front() = 'x';
  std::string lastDiffers = expected;
  lastDiffers.back() = 'x';
  const auto first = FastestOf(30, firstDiffers, expected);
  const auto last = FastestOf(30, lastDiffers, expected);
  const double ratio = static_cast<double>(last.count()) / static_cast<double>(std::max<long>(first.count(), 1));
  EXPECT_GT(ratio, 0.5) << "first byte differing: " << first.count() << " ns, last: " << last.count() << " ns";
  EXPECT_LT(ratio, 2.0) << "first byte differing: " << first.count() << " ns, last: " << last.count() << " ns";
}

}  // namespace
}  // namespace plenum
