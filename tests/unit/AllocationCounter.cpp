// Replaces the global (unaligned) operator new and delete for the whole
// test binary; the aligned forms keep the library's own pair.
#include "AllocationCounter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> allocations{0};

void* Allocate(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace plenum::test {
size_t AllocationCount() { return allocations.load(std::memory_order_relaxed); }

bool AllocationsCounted() {
  static const bool counted = [] {
    const size_t before = AllocationCount();
    // A direct call through a volatile pointer: not a new-expression the
    // compiler may pair with its delete and drop.
    void* volatile probe = ::operator new(1);
    ::operator delete(probe);
    return AllocationCount() != before;
  }();
  return counted;
}
}  // namespace plenum::test

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
