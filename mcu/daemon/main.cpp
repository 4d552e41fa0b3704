#include <csignal>

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

}  // namespace

int main(int argc, char** argv) {
  PrepareSignals();
  plenum::mcu::PlenumApp app;
  return app.run(argc, argv);
}
