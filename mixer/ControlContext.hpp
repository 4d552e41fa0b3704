// Posting work to the control thread's GMainContext.
//
// GStreamer callbacks arrive on streaming and webrtcbin threads; they never
// touch topology themselves but hand a closure to the control thread. A
// closure that refers to an object checks, when it runs, that the object is
// still alive: the control thread is also the only thread that destroys
// them, so the check cannot race.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>

#include "common/MainContextTasks.hpp"
#include "mixer/GRef.hpp"

namespace plenum::mixer {

// InvokeOn (at once when already on the context's thread) and PostTo
// (always later), shared with the media workers.
using common::InvokeOn;
using common::PostTo;

// A handle that posts to the control thread on behalf of one owner and
// drops the work if the owner was destroyed in between. Copyable, so it
// can be handed to callbacks on any thread.
class ControlPoster {
 public:
  ControlPoster() = default;
  ControlPoster(GMainContext* context, std::weak_ptr<void> owner)
      : context_(GRef<GMainContext>::Ref(context)), owner_(std::move(owner)) {}

  void Post(std::function<void()> task) const;
  GMainContext* context() const { return context_.get(); }

 private:
  GRef<GMainContext> context_;
  std::weak_ptr<void> owner_;
};

}  // namespace plenum::mixer
