// What the server says when it dies of a fatal signal: the signal, the
// thread and a backtrace on stderr (journald keeps it under systemd), then
// the default action, so a core dump and the exit status are unchanged.
// A rare crash under load is otherwise a bare "killed by signal 6" with
// nothing to start from.
#pragma once

namespace plenum::mcu {

// Call once, after Poco's Application::setup() (which installs abort()ing
// handlers of its own), in the main thread.
void InstallCrashReport();

}  // namespace plenum::mcu
