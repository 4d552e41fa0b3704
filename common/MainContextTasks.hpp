// Handing a closure to the thread that runs a GMainContext: the control
// thread's (mixer/ControlContext) and each media worker's
// (transport/MediaWorker) go through these two, one implementation.
#pragma once

#include <glib.h>

#include <functional>

namespace plenum::common {

// Runs `task` on `context`'s thread (immediately when already on it and
// the context is acquired there, as g_main_context_invoke does).
void InvokeOn(GMainContext* context, std::function<void()> task);

// Runs `task` on `context` later, even when called from that thread. A
// task still attached when the context is freed is destroyed unrun.
void PostTo(GMainContext* context, std::function<void()> task);

}  // namespace plenum::common
