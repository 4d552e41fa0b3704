#include "mixer/WebrtcQuiesce.hpp"

#include <gst/webrtc/webrtc.h>

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

}  // namespace plenum::mixer
