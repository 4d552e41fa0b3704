// The mixer's GStreamer debug category, so `GST_DEBUG=plenum-mixer:6`
// interleaves our lines with GStreamer's own.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(plenum_mixer_debug);
#define GST_CAT_DEFAULT plenum_mixer_debug
