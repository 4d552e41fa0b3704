#include "mixer/VideoComposite.hpp"

#include <gst/base/gstaggregator.h>
#include <gst/video/video.h>

#include <algorithm>
#include <stdexcept>

#include "mixer/Elements.hpp"
#include "mixer/Log.hpp"

namespace plenum::mixer {
namespace {

constexpr guint64 kLatencyHeadroom = GST_SECOND;

bool IsForceKeyUnit(GstEvent* event) {
  return GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM && gst_video_event_is_force_key_unit(event);
}

}  // namespace

void VideoComposite::SetLatencyHeadroom(GstElement* queue) {
  // The compositor's inputs differ in latency (a still picture: none; a
  // camera: jitter buffer plus decoder). Without headroom on the fast ones,
  // their maximum latency falls below the cameras' minimum and the
  // compositor cannot configure latency at all.
  g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time", kLatencyHeadroom, nullptr);
}

VideoComposite::VideoComposite(GstBin* pipeline, const MediaOptions& options, CompositeFrameCounters* frames)
    : pipeline_(pipeline), options_(options), frames_(frames ? *frames : ownFrames_) {
  GRef<GstElement> background = AddElement(pipeline, "videotestsrc", "composite-background");
  g_object_set(background.get(), "is-live", TRUE, "pattern", 2 /* black */, nullptr);
  GRef<GstElement> backgroundCaps = AddElement(pipeline, "capsfilter", "composite-background-caps");
  GRef<GstCaps> rawCaps = GRef<GstCaps>::Adopt(
      gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, options.videoWidth,
                          "height", G_TYPE_INT, options.videoHeight, "framerate", GST_TYPE_FRACTION,
                          options.videoFramerate, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr));
  g_object_set(backgroundCaps.get(), "caps", rawCaps.get(), nullptr);

  // force-live: the picture goes out on the clock whatever the inputs do.
  // Without it, a moment when an input cannot answer the latency query (one
  // being linked or taken away) drops the compositor out of live mode, to
  // wait until every input has a frame: one that has none yet (a camera
  // before its first keyframe) then freezes the room's picture.
  compositor_ = AddElement(pipeline, "compositor", "composite", {{"force-live", "true"}});
  // Tiles come from jitter buffers and decoders that join after the
  // compositor has computed its latency from the background alone; tell it
  // up front how late they may be so their frames are not dropped as late.
  const guint64 tileLatency = (options.jitterLatencyMs + 50) * GST_MSECOND;
  g_object_set(compositor_.get(), "background", 1 /* black */, "min-upstream-latency", tileLatency,
               "ignore-inactive-pads", TRUE, nullptr);

  GRef<GstElement> compositeCaps = AddElement(pipeline, "capsfilter", "composite-caps");
  g_object_set(compositeCaps.get(), "caps", rawCaps.get(), nullptr);

  rawTee_ = AddElement(pipeline, "tee", "composite-raw-tee");
  g_object_set(rawTee_.get(), "allow-not-linked", TRUE, nullptr);

  GRef<GstElement> vp8 = AddElement(pipeline, "vp8enc", "composite-encoder");
  // Realtime VP8: one pass, no look-ahead, constant bitrate, bounded
  // keyframe distance so a receiver that lost a keyframe recovers by itself.
  gst_util_set_object_arg(G_OBJECT(vp8.get()), "end-usage", "cbr");
  gst_util_set_object_arg(G_OBJECT(vp8.get()), "error-resilient", "default");
  g_object_set(vp8.get(), "deadline", G_GINT64_CONSTANT(1), "cpu-used", 8, "lag-in-frames", 0, "target-bitrate",
               options.videoBitrate, "keyframe-max-dist", options.keyframeIntervalSeconds * options.videoFramerate,
               "threads", options.encoderThreads, nullptr);
  vp8_ = MakeEncode(vp8.get(), "composite-tee", frames_.vp8Encoded);

  GRef<GstElement> backgroundQueue = AddElement(pipeline, "queue", "composite-background-queue");
  SetLatencyHeadroom(backgroundQueue.get());
  LinkOrThrow(background.get(), backgroundCaps.get());
  LinkOrThrow(backgroundCaps.get(), backgroundQueue.get());
  GRef<GstPad> backgroundPad = RequestTilePad("background");
  GRef<GstPad> backgroundSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(backgroundQueue.get(), "src"));
  if (gst_pad_link(backgroundSrc.get(), backgroundPad.get()) != GST_PAD_LINK_OK) {
    throw std::runtime_error("cannot link the composite background");
  }
  g_object_set(backgroundPad.get(), "zorder", 0u, nullptr);
  LinkOrThrow(compositor_.get(), compositeCaps.get());
  LinkOrThrow(compositeCaps.get(), rawTee_.get());
  // No queue: VP8 is encoded on the compositor's own thread, as before the
  // tee existed; only the on-demand H.264 encode gets a thread of its own.
  LinkOrThrow(rawTee_.get(), vp8.get());
}

VideoComposite::~VideoComposite() = default;

GRef<GstPad> VideoComposite::Vp8EncodedPad() const {
  return GRef<GstPad>::Adopt(gst_element_get_static_pad(vp8_.tee.get(), "sink"));
}

GRef<GstPad> VideoComposite::RawPad() const {
  return GRef<GstPad>::Adopt(gst_element_get_static_pad(rawTee_.get(), "sink"));
}

// `encoder` is the element the tee follows; its src pad gets the probes
// that keep receivers from reaching the encoder.
VideoComposite::Encode VideoComposite::MakeEncode(GstElement* encoder, const std::string& teeName,
                                                  std::atomic<uint64_t>& encoded) {
  CountFrames(encoder, encoded);
  Encode encode;
  encode.tee = AddElement(pipeline_, "tee", teeName);
  g_object_set(encode.tee.get(), "allow-not-linked", TRUE, nullptr);
  encode.limiter = std::make_shared<KeyframeLimiter>(std::chrono::milliseconds(options_.keyframeMinIntervalMs));
  LinkOrThrow(encoder, encode.tee.get());

  // Every receiver's PLI/FIR arrives here as an upstream force-key-unit
  // event; the limiter decides which reach the encoder.
  GRef<GstPad> encoderSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(encoder, "src"));
  gst_pad_add_probe(encoderSrc.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, OnUpstreamEvent,
                    new std::shared_ptr<KeyframeLimiter>(encode.limiter),
                    [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeLimiter>*>(data); });
  // The encoder must never wait on a receiver. A serialized query (the
  // ALLOCATION query the encoder sends when it negotiates) waits in each
  // receiver's queue until that queue has pushed everything before it, and
  // a receiver's queue is blocked until its connection is up (webrtcbin
  // holds RTP until DTLS is done, for ever if it never is): one participant
  // still connecting, or never connecting, would freeze the room's picture
  // and keep every later joiner from being answered. The tee asks its
  // receivers' pads directly, past any probe on its own pads, so answer the
  // query here, before the tee: the encoder needs nothing from the
  // receivers' allocators.
  gst_pad_add_probe(
      encoderSrc.get(), GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer) -> GstPadProbeReturn {
        return GST_QUERY_IS_SERIALIZED(GST_PAD_PROBE_INFO_QUERY(info)) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
  return encode;
}

namespace {

// What the frame-counting probe of one encode keeps: its one streaming
// thread alone reads and writes `lastPts`.
struct FrameCount {
  std::atomic<uint64_t>* encoded;
  std::atomic<uint64_t>* dropped;
  GstClockTime frameDuration;
  GstClockTime lastPts = GST_CLOCK_TIME_NONE;
};

}  // namespace

void VideoComposite::CountFrames(GstElement* encoder, std::atomic<uint64_t>& encoded) {
  // The composite is made on the clock at a fixed rate (the compositor's
  // output caps), so its frames' timestamps step by one frame duration; a
  // wider step at the encoder's output is frames that were scheduled and
  // never encoded, wherever they went (compositor QoS, the H.264 branch's
  // leaky queue, the encoder itself).
  auto* count = new FrameCount{&encoded, &frames_.dropped,
                               gst_util_uint64_scale_int(GST_SECOND, 1, std::max(options_.videoFramerate, 1))};
  GRef<GstPad> encoderSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(encoder, "src"));
  gst_pad_add_probe(
      encoderSrc.get(), GST_PAD_PROBE_TYPE_BUFFER,
      +[](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto& count = *static_cast<FrameCount*>(data);
        count.encoded->fetch_add(1, std::memory_order_relaxed);
        const GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
        if (!GST_CLOCK_TIME_IS_VALID(pts)) return GST_PAD_PROBE_OK;
        if (GST_CLOCK_TIME_IS_VALID(count.lastPts)) {
          if (const uint64_t missing = CompositeFrameCounters::MissingBetween(count.lastPts, pts, count.frameDuration))
            count.dropped->fetch_add(missing, std::memory_order_relaxed);
        }
        count.lastPts = pts;
        return GST_PAD_PROBE_OK;
      },
      count, [](gpointer data) { delete static_cast<FrameCount*>(data); });
}

void VideoComposite::AddH264Encode() {
  // Never let x264 hold up the composite (and with it every VP8 receiver):
  // a frame it has no time for is dropped here.
  GRef<GstElement> queue = AddElement(pipeline_, "queue", "composite-h264-queue");
  g_object_set(queue.get(), "max-size-buffers", 2u, "max-size-bytes", 0u, "max-size-time", guint64{0}, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue.get()), "leaky", "downstream");
  GRef<GstElement> encoder = AddElement(pipeline_, "x264enc", "composite-h264-encoder");
  // Realtime H.264 for browsers: no B-frames or look-ahead (zerolatency),
  // the cheapest preset, the same bitrate and keyframe distance as VP8.
  gst_util_set_object_arg(G_OBJECT(encoder.get()), "tune", "zerolatency");
  gst_util_set_object_arg(G_OBJECT(encoder.get()), "speed-preset", "ultrafast");
  g_object_set(encoder.get(), "bitrate", static_cast<guint>(std::max(options_.videoBitrate / 1000, 1)), "key-int-max",
               static_cast<guint>(options_.keyframeIntervalSeconds * options_.videoFramerate), "threads",
               static_cast<guint>(options_.encoderThreads), nullptr);
  // Constrained baseline: what every WebRTC H.264 decoder must take.
  GRef<GstElement> profile = AddElement(pipeline_, "capsfilter", "composite-h264-profile");
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(gst_caps_from_string(
      "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"));
  g_object_set(profile.get(), "caps", caps.get(), nullptr);
  LinkOrThrow(queue.get(), encoder.get());
  LinkOrThrow(encoder.get(), profile.get());
  // The probes go on the capsfilter's src pad: it passes keyframe requests
  // up to x264enc and the encoder's queries down to it.
  h264_ = std::make_unique<Encode>(MakeEncode(profile.get(), "composite-h264-tee", frames_.h264Encoded));

  // Start the branch, last element first, before the raw tee feeds it.
  for (GstElement* element : {h264_->tee.get(), profile.get(), encoder.get(), queue.get()}) {
    gst_element_sync_state_with_parent(element);
  }
  GRef<GstPad> rawPad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(rawTee_.get(), "src_%u"));
  // Linking asks upstream to renegotiate; the composite's caps are fixed.
  gst_pad_add_probe(
      rawPad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer) -> GstPadProbeReturn {
        return GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_RECONFIGURE ? GST_PAD_PROBE_DROP
                                                                                       : GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
  GRef<GstPad> queueSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(queue.get(), "sink"));
  if (gst_pad_link(rawPad.get(), queueSink.get()) != GST_PAD_LINK_OK) {
    throw std::runtime_error("cannot link the H.264 encode to the composite");
  }
  GST_INFO("add h264 encode of the composite");
}

GstPadProbeReturn VideoComposite::OnUpstreamEvent(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  // A receiver linked to the tee asks the encoder to renegotiate; the
  // composite's caps are fixed and the new branch gets them with the next
  // frame, so a join costs the encoder nothing.
  if (GST_EVENT_TYPE(event) == GST_EVENT_RECONFIGURE) return GST_PAD_PROBE_DROP;
  if (!IsForceKeyUnit(event)) return GST_PAD_PROBE_OK;
  auto& limiter = *static_cast<std::shared_ptr<KeyframeLimiter>*>(data);
  if (limiter->Request(KeyframeLimiter::Clock::now())) {
    GST_DEBUG("forward keyframe request");
    return GST_PAD_PROBE_OK;
  }
  GST_DEBUG("defer keyframe request");
  return GST_PAD_PROBE_DROP;
}

GRef<GstPad> VideoComposite::RequestTilePad(const std::string& name) {
  GstPadTemplate* templ = gst_element_get_pad_template(compositor_.get(), "sink_%u");
  GRef<GstPad> pad = GRef<GstPad>::Adopt(gst_element_request_pad(compositor_.get(), templ, nullptr, nullptr));
  if (!pad) throw std::runtime_error("compositor refused a tile pad for " + name);
  g_object_set(pad.get(), "zorder", 1u, nullptr);
  return pad;
}

void VideoComposite::ReleaseTilePad(const GRef<GstPad>& pad) {
  if (!pad) return;
  // GStreamer 1.22.0 (Debian 12) drops a released pad's peeked buffer
  // without the pad's lock (fixed upstream in 1.22.10, 0596d637): when the
  // compositor's thread peeks that pad at the same moment, it takes a
  // reference on a freed buffer. Inactive, the pad takes nothing new;
  // dropping what it holds, under its lock, leaves no peeked buffer for the
  // release to race on. (The queue holds a few frames; the bound is a
  // guard.)
  gst_pad_set_active(pad.get(), FALSE);
  for (int i = 0; i < 64 && gst_aggregator_pad_drop_buffer(GST_AGGREGATOR_PAD(pad.get())); ++i) {
  }
  gst_element_release_request_pad(compositor_.get(), pad.get());
}

void VideoComposite::PlaceTile(GstPad* pad, const Rect& rect) {
  g_object_set(pad, "xpos", rect.x, "ypos", rect.y, "width", rect.width, "height", rect.height, nullptr);
}

GRef<GstPad> VideoComposite::RequestEncodedPad(VideoCodec codec) {
  if (codec == VideoCodec::H264 && !h264_) AddH264Encode();
  GRef<GstPad> pad = GRef<GstPad>::Adopt(gst_element_request_pad_simple(EncodeOf(codec)->tee.get(), "src_%u"));
  if (!pad) throw std::runtime_error("tee refused a pad");
  return pad;
}

void VideoComposite::ReleaseEncodedPad(VideoCodec codec, const GRef<GstPad>& pad) {
  Encode* encode = EncodeOf(codec);
  if (pad && encode) gst_element_release_request_pad(encode->tee.get(), pad.get());
}

void VideoComposite::RequestKeyframe(VideoCodec codec) {
  Encode* encode = EncodeOf(codec);
  if (!encode) return;
  // Sent from the tee's sink side, so it passes the limiter's probe.
  GRef<GstPad> teeSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(encode->tee.get(), "sink"));
  gst_pad_push_event(teeSink.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void VideoComposite::ServeDeferredKeyframe() {
  for (VideoCodec codec : {VideoCodec::VP8, VideoCodec::H264}) {
    Encode* encode = EncodeOf(codec);
    if (encode && encode->limiter->TakeDeferred(KeyframeLimiter::Clock::now())) RequestKeyframe(codec);
  }
}

}  // namespace plenum::mixer
