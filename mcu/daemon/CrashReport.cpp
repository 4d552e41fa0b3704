#include "mcu/daemon/CrashReport.hpp"

#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace plenum::mcu {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS};
constexpr int kMaxFrames = 64;

// Only async-signal-safe calls from here on: write(2), backtrace_symbols_fd
// (which writes without allocating), raise.
void Write(const char* text) {
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text, std::strlen(text));
}

void WriteNumber(long value) {
  char digits[24];
  char* end = digits + sizeof digits - 1;
  *end = '\0';
  char* p = end;
  const bool negative = value < 0;
  unsigned long magnitude = negative ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) *--p = '-';
  Write(p);
}

void OnFatalSignal(int signal) {
  Write("plenum: fatal signal ");
  WriteNumber(signal);
  Write(" (");
  Write(sigabbrev_np(signal) ? sigabbrev_np(signal) : "?");
  Write(") in thread ");
  WriteNumber(static_cast<long>(::syscall(SYS_gettid)));
  Write("; backtrace (addr2line -e plenum -f -C -i OFFSET):\n");
  void* frames[kMaxFrames];
  const int count = backtrace(frames, kMaxFrames);
  backtrace_symbols_fd(frames, count, STDERR_FILENO);
  Write("plenum: end of backtrace\n");
  // SA_RESETHAND put the default action back: the signal, re-raised, is
  // delivered when this handler returns and ends the process as it would
  // have (core dump included).
  raise(signal);
}

}  // namespace

void InstallCrashReport() {
  // backtrace() loads libgcc's unwinder on first use, which allocates: do
  // it now rather than in the handler.
  void* warmUp[1];
  backtrace(warmUp, 1);
  // A stack of its own for this thread, so a stack overflow here can still
  // be reported; other threads report everything but that.
  static char alternateStack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternateStack;
  stack.ss_size = sizeof alternateStack;
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_handler = OnFatalSignal;
  action.sa_flags = SA_RESETHAND | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int signal : kFatalSignals) sigaction(signal, &action, nullptr);
}

}  // namespace plenum::mcu
