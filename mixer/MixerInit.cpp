#include "mixer/MixerInit.hpp"

#include "mixer/GRef.hpp"
#include "mixer/Log.hpp"

GST_DEBUG_CATEGORY(plenum_mixer_debug);

namespace plenum::mixer {

std::vector<std::string> InitMixer() {
  gst_init(nullptr, nullptr);
  GST_DEBUG_CATEGORY_INIT(plenum_mixer_debug, "plenum-mixer", 0, "Plenum room media");

  static const char* const kRequired[] = {
      "webrtcbin",     "rtpopusdepay", "rtpopuspay",  "opusdec",      "opusenc",      "rtpvp8depay",
      "rtpvp8pay",     "vp8dec",       "vp8enc",      "rtph264depay", "avdec_h264",   "compositor",
      "videotestsrc",  "textoverlay",  "imagefreeze", "videoscale",   "videoconvert", "audioconvert",
      "audioresample", "appsrc",       "appsink",     "tee",          "queue",        "capsfilter"};
  std::vector<std::string> missing;
  for (const char* name : kRequired) {
    GRef<GstElementFactory> factory = GRef<GstElementFactory>::Adopt(gst_element_factory_find(name));
    if (!factory) missing.emplace_back(name);
  }
  return missing;
}

}  // namespace plenum::mixer
