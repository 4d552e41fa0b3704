// Counts heap allocations made by this test binary, so a test can show that
// a steady-state tick allocates nothing (cost is a property here, not a
// timing: timings on a shared CI machine assert nothing).
#pragma once

#include <cstddef>

namespace plenum::test {

// Every operator new since the program started.
size_t AllocationCount();

// False where something else has taken operator new over (valgrind
// redirects it to its own allocator): counts are then always 0, and a
// check that nothing was allocated would pass for nothing.
bool AllocationsCounted();

// Allocations made while `body` runs.
template <typename Body>
size_t AllocationsDuring(Body&& body) {
  const size_t before = AllocationCount();
  body();
  return AllocationCount() - before;
}

}  // namespace plenum::test
