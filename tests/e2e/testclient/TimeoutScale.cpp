#include "testclient/TimeoutScale.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

// valgrind.h only reads a magic instruction sequence; without it (valgrind
// not installed) a run is simply never taken for a valgrind run.
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

namespace plenum::test {

namespace {

constexpr double kMaxLoadFactor = 4.0;

double FixedFactor() {
  if (const char* value = std::getenv("PLENUM_TEST_TIMEOUT_SCALE")) {
    const double factor = std::strtod(value, nullptr);
    if (factor > 0.0) return factor;
  }
  return RUNNING_ON_VALGRIND ? 10.0 : 1.0;
}

}  // namespace

double LoadFactor() {
  double oneMinute = 0.0;
  std::ifstream("/proc/loadavg") >> oneMinute;
  const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  return std::clamp(oneMinute / static_cast<double>(cores), 1.0, kMaxLoadFactor);
}

std::chrono::milliseconds Scaled(std::chrono::milliseconds timeout) {
  static const double fixed = FixedFactor();
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(timeout.count()) * fixed * LoadFactor()));
}

}  // namespace plenum::test
