#include "testclient/TimeoutScale.hpp"

#include <cstdlib>

// valgrind.h only reads a magic instruction sequence; without it (valgrind
// not installed) a run is simply never taken for a valgrind run.
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

namespace plenum::test {

namespace {

double Factor() {
  if (const char* value = std::getenv("PLENUM_TEST_TIMEOUT_SCALE")) {
    const double factor = std::strtod(value, nullptr);
    if (factor > 0.0) return factor;
  }
  return RUNNING_ON_VALGRIND ? 10.0 : 1.0;
}

}  // namespace

std::chrono::milliseconds Scaled(std::chrono::milliseconds timeout) {
  static const double factor = Factor();
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(timeout.count()) * factor));
}

}  // namespace plenum::test
