// The one way the media path creates an element.
#pragma once

#include <gst/gst.h>

#include <string>

#include "mixer/GRef.hpp"

namespace plenum::mixer {

// A new element from `factory`, named `name`; null when the factory is not
// installed. Throws std::logic_error for a factory that
// scripts/gstreamer-elements.tsv does not list for the server: set-up would
// not install its package on a new machine.
GRef<GstElement> MakeElement(const char* factory, const std::string& name);

}  // namespace plenum::mixer
