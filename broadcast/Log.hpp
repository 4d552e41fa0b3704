// The broadcast's GStreamer debug category (`GST_DEBUG=plenum-broadcast:6`).
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(plenum_broadcast_debug);
#define GST_CAT_DEFAULT plenum_broadcast_debug

namespace plenum::broadcast {
void InitBroadcastDebug();
}
