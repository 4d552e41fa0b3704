#include "mixer/WebrtcQuiesce.hpp"

#include <gst/webrtc/webrtc.h>

#include <vector>

#include "mixer/GRef.hpp"
#include "mixer/Log.hpp"

namespace plenum::mixer {
namespace {

// The ICE transport under a transceiver's sender, if it has one yet.
GRef<GObject> IceTransportOf(GstWebRTCRTPTransceiver* transceiver) {
  GstWebRTCRTPSender* rawSender = nullptr;
  g_object_get(transceiver, "sender", &rawSender, nullptr);
  GRef<GstWebRTCRTPSender> sender = GRef<GstWebRTCRTPSender>::Adopt(rawSender);
  if (!sender) return {};
  GstWebRTCDTLSTransport* rawDtls = nullptr;
  g_object_get(sender.get(), "transport", &rawDtls, nullptr);
  GRef<GstWebRTCDTLSTransport> dtls = GRef<GstWebRTCDTLSTransport>::Adopt(rawDtls);
  if (!dtls) return {};
  GstWebRTCICETransport* rawIce = nullptr;
  g_object_get(dtls.get(), "transport", &rawIce, nullptr);
  return GRef<GObject>::Adopt(G_OBJECT(rawIce));
}

// g_signal_handlers_disconnect_matched() ignores a mask without a closure,
// function or data, and the handlers we must remove are webrtcbin's own
// (static functions, private data): find them one by one instead.
guint DisconnectStateHandlers(GObject* ice) {
  constexpr guint kMaxHandlers = 64;  // webrtcbin connects three; bounds the loop
  const guint notifySignal = g_signal_lookup("notify", G_TYPE_OBJECT);
  const GQuark stateDetail = g_quark_from_static_string("state");
  const auto mask = static_cast<GSignalMatchType>(G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DETAIL);
  guint count = 0;
  for (; count < kMaxHandlers; ++count) {
    const gulong handler = g_signal_handler_find(ice, mask, notifySignal, stateDetail, nullptr, nullptr, nullptr);
    if (handler == 0) break;
    g_signal_handler_disconnect(ice, handler);
  }
  return count;
}

// The elements in `bin`, and with `recurse` those in the bins it holds,
// each bin before what it holds.
std::vector<GRef<GstElement>> ElementsIn(GstBin* bin, bool recurse) {
  std::vector<GRef<GstElement>> elements;
  GstIterator* iterator = recurse ? gst_bin_iterate_recurse(bin) : gst_bin_iterate_elements(bin);
  GValue item = G_VALUE_INIT;
  for (bool done = false; !done;) {
    switch (gst_iterator_next(iterator, &item)) {
      case GST_ITERATOR_OK:
        elements.push_back(GRef<GstElement>::Ref(static_cast<GstElement*>(g_value_get_object(&item))));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        elements.clear();
        gst_iterator_resync(iterator);
        break;
      case GST_ITERATOR_ERROR:
      case GST_ITERATOR_DONE:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(iterator);
  return elements;
}

bool IsAboveNull(GstElement* element) {
  GST_OBJECT_LOCK(element);
  const bool above = GST_STATE(element) != GST_STATE_NULL || GST_STATE_PENDING(element) != GST_STATE_VOID_PENDING;
  GST_OBJECT_UNLOCK(element);
  return above;
}

// Whether a blocking probe sits on any pad of any element in `bin`.
bool HoldsPadBlock(GstBin* bin) {
  for (const GRef<GstElement>& element : ElementsIn(bin, true)) {
    GST_OBJECT_LOCK(element.get());
    bool blocked = false;
    for (GList* pad = GST_ELEMENT_PADS(element.get()); pad && !blocked; pad = pad->next)
      blocked = GST_PAD_IS_BLOCKED(GST_PAD(pad->data));
    GST_OBJECT_UNLOCK(element.get());
    if (blocked) return true;
  }
  return false;
}

}  // namespace

void DetachIceStateHandlers(GstElement* webrtcbin) {
  GArray* rawTransceivers = nullptr;
  g_signal_emit_by_name(webrtcbin, "get-transceivers", &rawTransceivers);
  GRef<GArray> transceivers = GRef<GArray>::Adopt(rawTransceivers);
  if (!transceivers) return;
  guint detached = 0;
  for (guint i = 0; i < transceivers->len; ++i) {
    GRef<GObject> ice = IceTransportOf(g_array_index(transceivers.get(), GstWebRTCRTPTransceiver*, i));
    if (ice) detached += DisconnectStateHandlers(ice.get());
  }
  GST_DEBUG("detach ice state handlers [element:%s count:%u]", GST_ELEMENT_NAME(webrtcbin), detached);
}

guint StopStragglers(GstElement* bin, GstElement* webrtcbin) {
  guint stopped = 0;
  // Outermost first (the iterator gives a bin before what it holds): a
  // receive bin releases its block, and its nicesrc, on its own way down.
  for (const GRef<GstElement>& element : ElementsIn(GST_BIN(bin), true)) {
    if (!IsAboveNull(element.get())) continue;
    GST_INFO("stop straggler [element:%s state:%s]", GST_ELEMENT_NAME(element.get()),
             gst_element_state_get_name(GST_STATE(element.get())));
    gst_element_set_state(element.get(), GST_STATE_NULL);
    ++stopped;
  }
  // A transport bin that was stopped and then blocked again: up and down
  // once, which drops the block (nothing can block it again now).
  for (const GRef<GstElement>& transport : ElementsIn(GST_BIN(webrtcbin), false)) {
    if (!GST_IS_BIN(transport.get()) || !HoldsPadBlock(GST_BIN(transport.get()))) continue;
    GST_INFO("release pad block [element:%s]", GST_ELEMENT_NAME(transport.get()));
    gst_element_set_state(transport.get(), GST_STATE_READY);
    gst_element_set_state(transport.get(), GST_STATE_NULL);
    ++stopped;
  }
  return stopped;
}

}  // namespace plenum::mixer
