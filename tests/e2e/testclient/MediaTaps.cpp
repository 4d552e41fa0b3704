#include "testclient/MediaTaps.hpp"

#include "testclient/GRefPtr.hpp"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <cstring>

namespace plenum::test {

namespace {

GstFlowReturn OnAudioSample(GstAppSink* sink, gpointer data) {
  auto sample = AdoptGRef(gst_app_sink_pull_sample(sink));
  GstBuffer* buffer = sample ? gst_sample_get_buffer(sample.get()) : nullptr;
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_FLOW_OK;
  static_cast<ReceivedMedia*>(data)->PushAudio(reinterpret_cast<const float*>(map.data), map.size / sizeof(float));
  gst_buffer_unmap(buffer, &map);
  return GST_FLOW_OK;
}

GstFlowReturn OnVideoSample(GstAppSink* sink, gpointer data) {
  auto sample = AdoptGRef(gst_app_sink_pull_sample(sink));
  GstBuffer* buffer = sample ? gst_sample_get_buffer(sample.get()) : nullptr;
  GstCaps* caps = sample ? gst_sample_get_caps(sample.get()) : nullptr;
  GstVideoInfo info;
  if (!buffer || !caps || !gst_video_info_from_caps(&info, caps)) return GST_FLOW_OK;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return GST_FLOW_OK;

  // RGB rows are padded to 4 bytes in GStreamer; the tests want them packed.
  RgbFrame rgb;
  rgb.width = GST_VIDEO_FRAME_WIDTH(&frame);
  rgb.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  const std::size_t rowBytes = static_cast<std::size_t>(rgb.width) * 3;
  rgb.rgb.resize(rowBytes * static_cast<std::size_t>(rgb.height));
  const auto* source = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const std::size_t stride = static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0));
  for (int row = 0; row < rgb.height; ++row) std::memcpy(&rgb.rgb[row * rowBytes], source + row * stride, rowBytes);
  gst_video_frame_unmap(&frame);

  static_cast<ReceivedMedia*>(data)->PushVideoFrame(std::move(rgb));
  return GST_FLOW_OK;
}

void Tap(GstElement* appsink, ReceivedMedia& media, GstFlowReturn (*onSample)(GstAppSink*, gpointer)) {
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = onSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &callbacks, &media, nullptr);
}

}  // namespace

void TapAudio(GstElement* appsink, ReceivedMedia& media) { Tap(appsink, media, OnAudioSample); }

void TapVideo(GstElement* appsink, ReceivedMedia& media) { Tap(appsink, media, OnVideoSample); }

}  // namespace plenum::test
