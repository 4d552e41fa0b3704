#include "mixer/MixerInit.hpp"

#include "mixer/DeclaredElements.hpp"
#include "mixer/GRef.hpp"
#include "mixer/Log.hpp"

GST_DEBUG_CATEGORY(plenum_mixer_debug);

namespace plenum::mixer {

std::vector<MissingElement> InitMixer() {
  gst_init(nullptr, nullptr);
  GST_DEBUG_CATEGORY_INIT(plenum_mixer_debug, "plenum-mixer", 0, "Plenum room media");

  std::vector<MissingElement> missing;
  for (const DeclaredElement& element : kDeclaredElements) {
    if (!element.server) continue;
    GRef<GstElementFactory> factory = GRef<GstElementFactory>::Adopt(gst_element_factory_find(element.factory));
    if (!factory) missing.push_back({element.factory, element.package});
  }
  return missing;
}

}  // namespace plenum::mixer
