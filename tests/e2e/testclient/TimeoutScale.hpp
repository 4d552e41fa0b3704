#pragma once

#include <chrono>

namespace plenum::test {

// A test's timeout stretched for the machine it runs on: by the load per
// core at the moment of the call (1 to 4 times, from /proc/loadavg), by
// PLENUM_TEST_TIMEOUT_SCALE when set (a positive number), and tenfold under
// valgrind. A slow or busy CI machine gives a slower pass, not a failure;
// waits stay bounded. tests/browser/support.mjs applies the same rule.
std::chrono::milliseconds Scaled(std::chrono::milliseconds timeout);

// The load factor alone (1 to 4), for messages.
double LoadFactor();

}  // namespace plenum::test
