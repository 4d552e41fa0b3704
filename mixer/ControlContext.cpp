#include "mixer/ControlContext.hpp"

namespace plenum::mixer {

void ControlPoster::Post(std::function<void()> task) const {
  if (!context_) return;
  PostTo(context_.get(), [owner = owner_, task = std::move(task)] {
    if (owner.lock()) task();
  });
}

}  // namespace plenum::mixer
