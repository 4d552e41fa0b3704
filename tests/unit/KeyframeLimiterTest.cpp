#include <gtest/gtest.h>

#include "mixer/KeyframeLimiter.hpp"

namespace plenum::mixer {
namespace {

using namespace std::chrono_literals;

TEST(KeyframeLimiter, ForwardsFirstThenDefersWithinWindow) {
  KeyframeLimiter limiter(500ms);
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 10s;
  EXPECT_TRUE(limiter.Request(t0));
  EXPECT_FALSE(limiter.Request(t0 + 100ms));
  EXPECT_FALSE(limiter.Request(t0 + 200ms));
  // The deferred request is served once, when the window has passed.
  EXPECT_FALSE(limiter.TakeDeferred(t0 + 400ms));
  EXPECT_TRUE(limiter.TakeDeferred(t0 + 500ms));
  EXPECT_FALSE(limiter.TakeDeferred(t0 + 600ms));
}

TEST(KeyframeLimiter, NothingDeferredWithoutARefusal) {
  KeyframeLimiter limiter(500ms);
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 10s;
  EXPECT_TRUE(limiter.Request(t0));
  EXPECT_FALSE(limiter.TakeDeferred(t0 + 1s));
  EXPECT_TRUE(limiter.Request(t0 + 1s));
}

TEST(KeyframeLimiter, ForwardedRequestClearsDeferred) {
  KeyframeLimiter limiter(500ms);
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 10s;
  EXPECT_TRUE(limiter.Request(t0));
  EXPECT_FALSE(limiter.Request(t0 + 100ms));
  EXPECT_TRUE(limiter.Request(t0 + 600ms));  // a fresh request after the window
  EXPECT_FALSE(limiter.TakeDeferred(t0 + 2s));
}

}  // namespace
}  // namespace plenum::mixer
