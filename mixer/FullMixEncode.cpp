#include "mixer/FullMixEncode.hpp"

#include "mixer/Elements.hpp"
#include "mixer/RoomAudio.hpp"

namespace plenum::mixer {

FullMixEncode::FullMixEncode(GstBin* pipeline, RoomAudio& audio, int bitrate, EncodedFrameTap tap)
    : pipeline_(pipeline), audio_(audio) {
  source_ = AddElement(pipeline, "appsrc", "full-mix");
  GRef<GstCaps> caps = RoomAudio::MixCaps();
  g_object_set(source_.get(), "caps", caps.get(), "format", GST_FORMAT_TIME, "is-live", TRUE, "max-buffers",
               guint64{10}, nullptr);
  gst_util_set_object_arg(G_OBJECT(source_.get()), "leaky-type", "downstream");
  encoder_ = AddElement(pipeline, "opusenc", "full-mix-enc");
  g_object_set(encoder_.get(), "bitrate", bitrate, nullptr);
  gst_util_set_object_arg(G_OBJECT(encoder_.get()), "frame-size", "20");
  sink_ = AddElement(pipeline, "fakesink", "full-mix-sink");
  g_object_set(sink_.get(), "sync", FALSE, "async", FALSE, nullptr);
  LinkOrThrow(source_.get(), encoder_.get());
  LinkOrThrow(encoder_.get(), sink_.get());
  GRef<GstPad> encoded = GRef<GstPad>::Adopt(gst_element_get_static_pad(encoder_.get(), "src"));
  tap_ = std::make_unique<PadTap>(encoded.get(), std::move(tap));
  for (GstElement* element : {sink_.get(), encoder_.get(), source_.get()}) gst_element_sync_state_with_parent(element);
  audio_.AttachFullMixOutput(source_.get());
}

FullMixEncode::~FullMixEncode() {
  audio_.AttachFullMixOutput(nullptr);
  tap_.reset();
  for (GstElement* element : {source_.get(), encoder_.get(), sink_.get()}) {
    gst_element_set_locked_state(element, TRUE);
    gst_element_set_state(element, GST_STATE_NULL);
    gst_bin_remove(pipeline_, element);
  }
}

}  // namespace plenum::mixer
