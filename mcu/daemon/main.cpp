#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdlib>

#include "mcu/daemon/PlenumApp.hpp"

namespace {

// The server waits for SIGINT/SIGTERM with sigwait() in its main thread
// (Poco's waitForTerminationRequest). Block them here, before any thread
// exists, so every thread inherits the block and the signal reaches that
// sigwait instead of killing the process from a GStreamer thread; and undo
// an inherited "ignore", which would make sigwait miss it altogether.
void PrepareSignals() {
  sigset_t termination;
  sigemptyset(&termination);
  for (int signal : {SIGINT, SIGTERM, SIGQUIT}) {
    std::signal(signal, SIG_DFL);
    sigaddset(&termination, signal);
  }
  pthread_sigmask(SIG_BLOCK, &termination, nullptr);
  // A client that vanishes mid-write must cost an error, not the process.
  std::signal(SIGPIPE, SIG_IGN);
}

// glibc gives each thread that allocates under contention an arena of its
// own, up to eight per core, and keeps what is freed in each for reuse.
// A server whose threads come and go (a room's, a connection's) then grows
// without bound: 300 rooms made and closed cost 17 to 20 MiB more each
// time here, with four arenas as with the default. Two arenas keep the
// high-water mark flat (measured by e2e-abuse). MALLOC_ARENA_MAX, if set,
// still wins.
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
}

// Each participant holds a WebSocket and, in its media engine, a dozen
// more descriptors; the usual soft limit of 1024 would stop a server at
// about 60 people. Raise it to the hard limit, as servers do (systemd's
// default hard limit is 524288; LimitNOFILE= in the unit changes it).
void RaiseDescriptorLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

}  // namespace

int main(int argc, char** argv) {
  LimitMallocArenas();
  RaiseDescriptorLimit();
  PrepareSignals();
  plenum::mcu::PlenumApp app;
  return app.run(argc, argv);
}
