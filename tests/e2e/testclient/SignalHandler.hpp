#pragma once

#include <glib-object.h>

namespace plenum::test {

// Owns one signal connection. The instance is held weakly, so the handler
// neither keeps it alive nor touches it once it is gone, and the connection is
// dropped in the destructor. Destroy it only after the emitting threads have
// stopped (pipeline in NULL): disconnecting does not wait for an emission that
// is already running on another thread.
class SignalHandler {
 public:
  SignalHandler(gpointer instance, const char* signal, GCallback callback, gpointer data);
  ~SignalHandler();

  SignalHandler(const SignalHandler&) = delete;
  SignalHandler& operator=(const SignalHandler&) = delete;
  // A GWeakRef is bound to its address: the handler cannot move.
  SignalHandler(SignalHandler&&) = delete;
  SignalHandler& operator=(SignalHandler&&) = delete;

 private:
  GWeakRef instance_;
  gulong id_ = 0;
};

}  // namespace plenum::test
