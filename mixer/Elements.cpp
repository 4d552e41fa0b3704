#include "mixer/Elements.hpp"

#include <cstring>
#include <stdexcept>

#include "mixer/DeclaredElements.hpp"

namespace plenum::mixer {

GRef<GstElement> MakeElement(const char* factory, const std::string& name) {
  bool declared = false;
  for (const DeclaredElement& element : kDeclaredElements) {
    if (element.server && std::strcmp(element.factory, factory) == 0) declared = true;
  }
  if (!declared) {
    throw std::logic_error(std::string("GStreamer element ") + factory +
                           " is not listed for the server in scripts/gstreamer-elements.tsv with its Debian package");
  }
  return GRef<GstElement>::Sink(gst_element_factory_make(factory, name.c_str()));
}

}  // namespace plenum::mixer
