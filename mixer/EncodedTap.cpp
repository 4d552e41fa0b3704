#include "mixer/EncodedTap.hpp"

#include <mutex>

namespace plenum::mixer {

// What the probe and the owner share: the owner clears the tap under the
// mutex, so a call in progress finishes before the destructor returns.
struct PadTap::Shared {
  std::mutex mutex;
  EncodedFrameTap tap;
};

GstPadProbeReturn PadTap::OnFrame(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto& shared = **static_cast<std::shared_ptr<PadTap::Shared>*>(data);
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(gst_pad_get_current_caps(pad));
  if (!caps) return GST_PAD_PROBE_OK;
  std::lock_guard lock(shared.mutex);
  if (!shared.tap) return GST_PAD_PROBE_OK;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    shared.tap(GST_PAD_PROBE_INFO_BUFFER(info), caps.get());
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) shared.tap(gst_buffer_list_get(list, i), caps.get());
  }
  return GST_PAD_PROBE_OK;
}

PadTap::PadTap(GstPad* pad, EncodedFrameTap tap)
    : pad_(GRef<GstPad>::Ref(pad)), shared_(std::make_shared<Shared>()) {
  shared_->tap = std::move(tap);
  probe_ = gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                             OnFrame, new std::shared_ptr<Shared>(shared_),
                             [](gpointer data) { delete static_cast<std::shared_ptr<Shared>*>(data); });
}

PadTap::~PadTap() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->tap = nullptr;
  }
  gst_pad_remove_probe(pad_.get(), probe_);
}

}  // namespace plenum::mixer
