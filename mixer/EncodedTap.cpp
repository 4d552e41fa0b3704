#include "mixer/EncodedTap.hpp"

#include <mutex>

#include "mixer/Log.hpp"

namespace plenum::mixer {

// What the probe and the owner share: the owner clears the tap under the
// mutex, so a call in progress finishes before the destructor returns. The
// pad's caps and segment are kept from its events as they pass, rather
// than asked of the pad for every frame.
struct PadTap::Shared {
  std::mutex mutex;
  EncodedFrameTap tap;
  GRef<GstCaps> caps;
  GstSegment segment{};
  bool hasSegment = false;

  void Keep(GstEvent* event) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* eventCaps = nullptr;
      gst_event_parse_caps(event, &eventCaps);
      caps = GRef<GstCaps>::Ref(eventCaps);
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      const GstSegment* eventSegment = nullptr;
      gst_event_parse_segment(event, &eventSegment);
      gst_segment_copy_into(eventSegment, &segment);
      hasSegment = true;
    }
  }

  // The pad's sticky CAPS and SEGMENT, for those not seen go by. A stream
  // that was already flowing sent them before the probe was there; one
  // starting just then may have passed the probe with them, yet a sink pad
  // keeps an event as sticky only once its element has handled it, so the
  // constructor can find neither. By the next buffer the pad has them.
  void FetchSticky(GstPad* pad) {
    for (const GstEventType type : {GST_EVENT_CAPS, GST_EVENT_SEGMENT}) {
      if (type == GST_EVENT_CAPS ? static_cast<bool>(caps) : hasSegment) continue;
      GRef<GstEvent> sticky = GRef<GstEvent>::Adopt(gst_pad_get_sticky_event(pad, type, 0));
      if (sticky) Keep(sticky.get());
    }
  }

  void Deliver(GstBuffer* frame) {
    const GstClockTime pts = GST_BUFFER_PTS(frame);
    GstClockTime runningTime = GST_CLOCK_TIME_NONE;
    if (hasSegment && segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(pts))
      runningTime = gst_segment_to_running_time(&segment, GST_FORMAT_TIME, pts);
    tap(frame, caps.get(), runningTime);
  }
};

GstPadProbeReturn PadTap::OnData(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto& shared = **static_cast<std::shared_ptr<PadTap::Shared>*>(data);
  std::lock_guard lock(shared.mutex);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    shared.Keep(GST_PAD_PROBE_INFO_EVENT(info));
    return GST_PAD_PROBE_OK;
  }
  if (!shared.tap) return GST_PAD_PROBE_OK;
  if (!shared.caps || !shared.hasSegment) shared.FetchSticky(pad);
  if (!shared.caps) return GST_PAD_PROBE_OK;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    shared.Deliver(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) shared.Deliver(gst_buffer_list_get(list, i));
  }
  return GST_PAD_PROBE_OK;
}

PadTap::PadTap(GstPad* pad, EncodedFrameTap tap)
    : pad_(GRef<GstPad>::Ref(pad)), shared_(std::make_shared<Shared>()) {
  shared_->tap = std::move(tap);
  probe_ = gst_pad_add_probe(
      pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      OnData, new std::shared_ptr<Shared>(shared_), [](gpointer data) { delete static_cast<std::shared_ptr<Shared>*>(data); });
  // Fetched after adding the probe, so that a newer event the probe saw
  // meanwhile wins.
  std::lock_guard lock(shared_->mutex);
  shared_->FetchSticky(pad);
}

PadTap::~PadTap() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->tap = nullptr;
  }
  gst_pad_remove_probe(pad_.get(), probe_);
}

}  // namespace plenum::mixer
