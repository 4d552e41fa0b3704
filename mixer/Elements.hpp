// The one way the media path creates an element.
#pragma once

#include <gst/gst.h>

#include <string>
#include <utility>
#include <vector>

#include "mixer/GRef.hpp"

namespace plenum::mixer {

// Property values as gst-launch would write them ("true", "5"), for the
// properties that can only be set while the element is made.
using ConstructProperties = std::vector<std::pair<const char*, const char*>>;

// A new element from `factory`, named `name`; null when the factory is not
// installed. Throws std::logic_error for a factory that
// scripts/gstreamer-elements.tsv does not list for the server (set-up would
// not install its package on a new machine) or a construct property that
// the element does not have or cannot take.
GRef<GstElement> MakeElement(const char* factory, const std::string& name,
                             const ConstructProperties& constructProperties = {});

// MakeElement, added to `bin`; throws std::runtime_error when the factory
// is not installed.
GRef<GstElement> AddElement(GstBin* bin, const char* factory, const std::string& name,
                            const ConstructProperties& constructProperties = {});

// Throws std::runtime_error naming both when they do not link.
void LinkOrThrow(GstElement* from, GstElement* to);

}  // namespace plenum::mixer
