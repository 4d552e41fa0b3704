#include "testclient/GstRuntime.hpp"

#include "testclient/GRefPtr.hpp"

#include <gst/gst.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace plenum::test {

namespace {

constexpr const char* kRequiredElements[] = {
    "webrtcbin",    "nicesrc",      "nicesink",      "dtlsenc",   "dtlsdec",     "srtpenc",      "srtpdec",
    "audiotestsrc", "audioconvert", "audioresample", "opusenc",   "rtpopuspay",  "rtpopusdepay", "opusdec",
    "videotestsrc", "videoconvert", "vp8enc",        "rtpvp8pay", "rtpvp8depay", "vp8dec",       "x264enc",
    "rtph264pay",   "rtph264depay", "avdec_h264",    "appsink",   "fakesink",    "capsfilter",
};

std::string MissingElements() {
  std::string missing;
  for (const char* name : kRequiredElements) {
    auto factory = AdoptGRef(gst_element_factory_find(name));
    if (!factory) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  return missing;
}

}  // namespace

void EnsureGstReady() {
  static std::once_flag once;
  static std::string missing;
  std::call_once(once, [] {
    gst_init(nullptr, nullptr);
    missing = MissingElements();
  });
  if (!missing.empty()) throw std::runtime_error("GStreamer elements missing: " + missing);
}

}  // namespace plenum::test
