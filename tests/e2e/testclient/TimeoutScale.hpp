#pragma once

#include <chrono>

namespace plenum::test {

// A test's timeout stretched for slow runs: by PLENUM_TEST_TIMEOUT_SCALE when
// set (a positive number), else tenfold under valgrind, else unchanged.
// Waits stay bounded; they only get the time a slowed-down process needs.
std::chrono::milliseconds Scaled(std::chrono::milliseconds timeout);

}  // namespace plenum::test
