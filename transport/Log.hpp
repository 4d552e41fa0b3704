// The transport's GStreamer debug category, so `GST_DEBUG=plenum-transport:6`
// interleaves our lines with GStreamer's and libnice's own.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(plenum_transport_debug);
#define GST_CAT_DEFAULT plenum_transport_debug

namespace plenum::transport {

// Registers the category; idempotent, any thread.
void InitTransportLog();

}  // namespace plenum::transport
