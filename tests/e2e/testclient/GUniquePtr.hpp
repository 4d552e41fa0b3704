#pragma once

// Single owners for the GLib/GStreamer values that are not ref-counted:
// strings, errors, boxed copies.

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <memory>

namespace plenum::test {

template <typename T>
struct GFree;

template <>
struct GFree<gchar> {
  void operator()(gchar* p) const noexcept { g_free(p); }
};

template <>
struct GFree<GError> {
  void operator()(GError* p) const noexcept { g_error_free(p); }
};

template <>
struct GFree<GstStructure> {
  void operator()(GstStructure* p) const noexcept { gst_structure_free(p); }
};

template <>
struct GFree<GstSDPMessage> {
  void operator()(GstSDPMessage* p) const noexcept { gst_sdp_message_free(p); }
};

template <>
struct GFree<GstWebRTCSessionDescription> {
  void operator()(GstWebRTCSessionDescription* p) const noexcept { gst_webrtc_session_description_free(p); }
};

template <typename T>
using GUniquePtr = std::unique_ptr<T, GFree<T>>;

}  // namespace plenum::test
