#pragma once

#include "testclient/ReceivedMedia.hpp"

#include <gst/gst.h>

namespace plenum::test {

// Feed what an appsink receives into `media`: decoded F32 mono audio, or RGB
// video frames. The callbacks run on the sink's streaming thread; `media` must
// outlive the pipeline's PLAYING life.
void TapAudio(GstElement* appsink, ReceivedMedia& media);
void TapVideo(GstElement* appsink, ReceivedMedia& media);

}  // namespace plenum::test
