#pragma once

#include <stdexcept>

namespace plenum::mcu {

// The control thread did not answer a blocking call in time (it is stuck
// or overloaded); the caller reports 503 rather than hang.
class ControlTimeout : public std::runtime_error {
 public:
  ControlTimeout() : std::runtime_error("the control thread did not answer in time") {}
};

}  // namespace plenum::mcu
