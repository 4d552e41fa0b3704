#include "testclient/SyncMarks.hpp"

#include "testclient/Analysis.hpp"
#include "testclient/GRefPtr.hpp"

#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace plenum::test {
namespace {

constexpr int kAudioRate = 48000;
constexpr double kMarkAmplitude = 0.5;  // of full scale: well above the 0.25 tone

// Whether running time `t` falls inside a mark.
bool InMark(GstClockTime t) {
  const GstClockTime period = static_cast<GstClockTime>(kMarkPeriodSeconds * GST_SECOND);
  return t % period < static_cast<GstClockTime>(kMarkLengthSeconds * GST_SECOND);
}

GstPadProbeReturn MarkAudio(GstPad*, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) return GST_PAD_PROBE_OK;
  const std::size_t count = map.size / sizeof(std::int16_t);
  for (std::size_t i = 0; i < count; ++i) {
    const GstClockTime t = pts + gst_util_uint64_scale_int(i, GST_SECOND, kAudioRate);
    if (!InMark(t)) continue;
    const double seconds = static_cast<double>(t) / GST_SECOND;
    const auto sample = static_cast<std::int16_t>(32767.0 * kMarkAmplitude * std::sin(2 * M_PI * kMarkToneHz * seconds));
    std::memcpy(map.data + i * sizeof(sample), &sample, sizeof(sample));
  }
  gst_buffer_unmap(buffer, &map);
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MarkVideo(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_CLOCK_TIME_IS_VALID(GST_BUFFER_PTS(buffer)) || !InMark(GST_BUFFER_PTS(buffer))) return GST_PAD_PROBE_OK;
  auto caps = AdoptGRef(gst_pad_get_current_caps(pad));
  GstVideoInfo video;
  if (!caps || !gst_video_info_from_caps(&video, caps.get())) return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &video, buffer, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
  // White in I420: full luma, neutral chroma.
  for (guint plane = 0; plane < GST_VIDEO_FRAME_N_PLANES(&frame); ++plane) {
    const int value = plane == 0 ? 235 : 128;
    auto* data = static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane);
    const int rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, plane);
    for (int row = 0; row < rows; ++row) std::memset(data + row * stride, value, GST_VIDEO_FRAME_COMP_WIDTH(&frame, plane));
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

void Probe(GstElement* element, GstPadProbeCallback callback) {
  if (!element) return;
  auto pad = AdoptGRef(gst_element_get_static_pad(element, "src"));
  gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, callback, nullptr, nullptr);
}

}  // namespace

void AddSyncMarks(GstElement* audio, GstElement* video) {
  Probe(audio, MarkAudio);
  Probe(video, MarkVideo);
}

std::vector<double> FindMarkOnsets(std::span<const double> level, std::span<const double> times) {
  std::vector<double> onsets;
  if (level.empty() || level.size() != times.size()) return onsets;
  const auto [low, high] = std::minmax_element(level.begin(), level.end());
  const double threshold = (*low + *high) / 2;
  // At least half a period between onsets: one mark is one onset.
  const double minimumGap = kMarkPeriodSeconds / 2;
  bool above = level[0] > threshold;  // a mark already under way at the start is not an onset
  for (std::size_t i = 1; i < level.size(); ++i) {
    const bool now = level[i] > threshold;
    if (now && !above && (onsets.empty() || times[i] - onsets.back() > minimumGap)) onsets.push_back(times[i]);
    above = now;
  }
  return onsets;
}

void MarkToneLevel(std::span<const float> samples, int sampleRate, double window, double hop,
                   std::vector<double>* level, std::vector<double>* times) {
  const auto windowSamples = static_cast<std::size_t>(window * sampleRate);
  const auto hopSamples = std::max<std::size_t>(1, static_cast<std::size_t>(hop * sampleRate));
  for (std::size_t at = 0; at + windowSamples <= samples.size(); at += hopSamples) {
    level->push_back(GoertzelPower(samples.subspan(at, windowSamples), kMarkToneHz, sampleRate));
    times->push_back(static_cast<double>(at) / sampleRate);
  }
}

}  // namespace plenum::test
