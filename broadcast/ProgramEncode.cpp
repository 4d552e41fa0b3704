#include "broadcast/ProgramEncode.hpp"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <stdexcept>

#include "broadcast/Log.hpp"
#include "mixer/Elements.hpp"

namespace plenum::broadcast {
namespace {

// What may wait in front of an encoder before the oldest goes: a few
// frames. A program that stays behind is worse than one that skips.
constexpr guint64 kQueuedVideoFrames = 3;
constexpr guint64 kQueuedAudioFrames = 25;  // 20 ms each

GRef<GstElement> Add(GstBin* bin, const char* factory, const std::string& name) {
  return mixer::AddElement(bin, factory, name);
}

void SetUpSource(GstElement* source, guint64 maxBuffers) {
  g_object_set(source, "format", GST_FORMAT_TIME, "is-live", TRUE, "block", FALSE, "max-buffers", maxBuffers,
               "max-bytes", guint64{0}, "max-time", guint64{0}, nullptr);
  gst_util_set_object_arg(G_OBJECT(source), "leaky-type", "downstream");
}

}  // namespace

ProgramEncode::ProgramEncode(const std::string& room, const EncodeSettings& settings, GstClockTime zero, FrameSink sink)
    : room_(room), zero_(zero) {
  InitBroadcastDebug();
  pipeline_ = GRef<GstElement>::Sink(gst_pipeline_new(("program-" + room).c_str()));
  GstBin* bin = GST_BIN(pipeline_.get());

  video_.source = Add(bin, "appsrc", "program-video");
  SetUpSource(video_.source.get(), kQueuedVideoFrames);
  GRef<GstElement> convert = Add(bin, "videoconvert", "program-videoconvert");
  encoder_ = Add(bin, "x264enc", "program-h264");
  // Zero latency: no B-frames and no lookahead, so a frame leaves the
  // encoder as it enters and DTS is PTS (FLV and MPEG-TS both want that
  // simple). A keyframe every keyframeSeconds cuts HLS segments there.
  gst_util_set_object_arg(G_OBJECT(encoder_.get()), "tune", "zerolatency");
  gst_util_set_object_arg(G_OBJECT(encoder_.get()), "speed-preset", settings.preset.c_str());
  g_object_set(encoder_.get(), "bitrate", static_cast<guint>(settings.videoBitrateKbps), "key-int-max",
               static_cast<guint>(settings.framerate * settings.keyframeSeconds), nullptr);
  GRef<GstElement> profile = Add(bin, "capsfilter", "program-h264-profile");
  GRef<GstCaps> profileCaps = GRef<GstCaps>::Adopt(gst_caps_from_string("video/x-h264,profile=main"));
  g_object_set(profile.get(), "caps", profileCaps.get(), nullptr);
  GRef<GstElement> parser = Add(bin, "h264parse", "program-h264parse");
  g_object_set(parser.get(), "config-interval", -1, nullptr);  // SPS/PPS with every keyframe
  GRef<GstElement> videoSink = Add(bin, "fakesink", "program-video-sink");
  g_object_set(videoSink.get(), "sync", FALSE, "async", FALSE, nullptr);
  mixer::LinkOrThrow(video_.source.get(), convert.get());
  mixer::LinkOrThrow(convert.get(), encoder_.get());
  mixer::LinkOrThrow(encoder_.get(), profile.get());
  mixer::LinkOrThrow(profile.get(), parser.get());
  mixer::LinkOrThrow(parser.get(), videoSink.get());

  audio_.source = Add(bin, "appsrc", "program-audio");
  SetUpSource(audio_.source.get(), kQueuedAudioFrames);
  GRef<GstElement> audioConvert = Add(bin, "audioconvert", "program-audioconvert");
  GRef<GstElement> resample = Add(bin, "audioresample", "program-audioresample");
  GRef<GstElement> stereo = Add(bin, "capsfilter", "program-stereo");
  // Stereo: what every RTMP service and player expects, at no cost worth
  // saving (the mix is mono, both channels carry it).
  GRef<GstCaps> stereoCaps = GRef<GstCaps>::Adopt(gst_caps_from_string("audio/x-raw,rate=48000,channels=2"));
  g_object_set(stereo.get(), "caps", stereoCaps.get(), nullptr);
  GRef<GstElement> aac = Add(bin, "avenc_aac", "program-aac");
  g_object_set(aac.get(), "bitrate", settings.audioBitrate, nullptr);
  GRef<GstElement> audioSink = Add(bin, "fakesink", "program-audio-sink");
  g_object_set(audioSink.get(), "sync", FALSE, "async", FALSE, nullptr);
  mixer::LinkOrThrow(audio_.source.get(), audioConvert.get());
  mixer::LinkOrThrow(audioConvert.get(), resample.get());
  mixer::LinkOrThrow(resample.get(), stereo.get());
  mixer::LinkOrThrow(stereo.get(), aac.get());
  mixer::LinkOrThrow(aac.get(), audioSink.get());

  auto onFrame = [sink](bool video) {
    return [sink, video](GstBuffer* frame, GstCaps* caps, GstClockTime time) {
      if (caps && GST_CLOCK_TIME_IS_VALID(time)) sink(video, frame, caps, time);
    };
  };
  GRef<GstPad> videoOut = GRef<GstPad>::Adopt(gst_element_get_static_pad(parser.get(), "src"));
  videoTap_ = std::make_unique<mixer::PadTap>(videoOut.get(), onFrame(true));
  GRef<GstPad> audioOut = GRef<GstPad>::Adopt(gst_element_get_static_pad(aac.get(), "src"));
  audioTap_ = std::make_unique<mixer::PadTap>(audioOut.get(), onFrame(false));

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    throw std::runtime_error("the broadcast encoders cannot start");
  }
  GST_INFO("start program encode [room:%s bitrate:%dkbps preset:%s]", room_.c_str(), settings.videoBitrateKbps,
           settings.preset.c_str());
}

ProgramEncode::~ProgramEncode() {
  videoTap_.reset();
  audioTap_.reset();
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  GST_INFO("stop program encode [room:%s dropped:%" G_GUINT64_FORMAT "]", room_.c_str(),
           static_cast<guint64>(dropped_.load()));
}

void ProgramEncode::PushVideo(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
  Push(video_, frame, caps, runningTime);
}

void ProgramEncode::PushAudio(GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
  Push(audio_, frame, caps, runningTime);
}

// Each input is pushed from one thread only (the compositor's, the mix's
// tick), so its caps need no lock.
void ProgramEncode::Push(Input& input, GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
  if (!caps || !GST_CLOCK_TIME_IS_VALID(runningTime) || runningTime < zero_) return;
  GstAppSrc* source = GST_APP_SRC(input.source.get());
  if (!input.caps || !gst_caps_is_equal(input.caps.get(), caps)) {
    gst_app_src_set_caps(source, caps);
    input.caps = GRef<GstCaps>::Ref(caps);
  }
  GstBuffer* copy = gst_buffer_copy(frame);  // metadata only; the memory is shared
  GST_BUFFER_PTS(copy) = runningTime - zero_;
  GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
  if (gst_app_src_push_buffer(source, copy) != GST_FLOW_OK) ++dropped_;
}

void ProgramEncode::RequestKeyframe() {
  // Upstream, as a viewer's request would come: not serialized with the
  // frames, so any thread may send it.
  GRef<GstPad> out = GRef<GstPad>::Adopt(gst_element_get_static_pad(encoder_.get(), "src"));
  gst_pad_send_event(out.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

}  // namespace plenum::broadcast
