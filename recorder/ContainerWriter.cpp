#include "recorder/ContainerWriter.hpp"

#include <gst/app/gstappsrc.h>

#include <stdexcept>

#include "mixer/Elements.hpp"

GST_DEBUG_CATEGORY_STATIC(plenum_recorder_debug);
#define GST_CAT_DEFAULT plenum_recorder_debug

namespace plenum::recorder {
namespace {

// What a writer may hold in memory per track before it drops frames
// rather than grow: a disk that stalls longer loses frames, counted.
constexpr GstClockTime kMaxQueued = 10 * GST_SECOND;
// A first keyframe this much before the recording's start still opens it.
constexpr GstClockTime kLeadIn = GST_SECOND / 2;
// Matroska and WebM keep timestamps in milliseconds: one apart at least.
constexpr GstClockTime kTimestampStep = GST_MSECOND;
constexpr GstClockTime kFinishTimeout = 5 * GST_SECOND;

void InitDebug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(plenum_recorder_debug, "plenum-recorder", 0, "Plenum archive writers");
    g_once_init_leave(&once, 1);
  }
}

std::string ErrorText(GstMessage* message) {
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = error ? error->message : "unknown error";
  if (GST_MESSAGE_SRC(message)) text += std::string(" (") + GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) + ")";
  if (error) g_error_free(error);
  g_free(debug);
  return text;
}

}  // namespace

ContainerWriter::ContainerWriter(const std::string& name, Options options, std::vector<TrackKind> tracks,
                                 GMainContext* control, EventHandler onEvent)
    : name_(name), options_(std::move(options)), poster_(control, alive_), onEvent_(std::move(onEvent)) {
  InitDebug();
  pipeline_ = GRef<GstElement>::Sink(gst_pipeline_new(("archive-" + name).c_str()));
  GstBin* bin = GST_BIN(pipeline_.get());

  GRef<GstElement> muxer = mixer::MakeElement(options_.matroska ? "matroskamux" : "webmmux", name + "-mux");
  if (!muxer) throw std::runtime_error("missing GStreamer muxer");
  g_object_set(muxer.get(), "streamable", TRUE, nullptr);
  GRef<GstElement> file = mixer::MakeElement("filesink", name + "-file");
  if (!file) throw std::runtime_error("missing GStreamer element filesink");
  gst_util_set_object_arg(G_OBJECT(file.get()), "buffer-mode", "unbuffered");
  g_object_set(file.get(), "async", FALSE, nullptr);

  GRef<GstElement> splitter;
  if (options_.segmentLength > 0) {
    splitter = mixer::AddElement(bin, "splitmuxsink", name + "-segments");
    g_object_set(splitter.get(), "muxer", muxer.get(), "sink", file.get(), "location", options_.location.c_str(),
                 "max-size-time", options_.segmentLength, nullptr);
  } else {
    gst_bin_add_many(bin, muxer.get(), file.get(), nullptr);
    g_object_set(file.get(), "location", options_.location.c_str(), nullptr);
    mixer::LinkOrThrow(muxer.get(), file.get());
  }

  int audioIndex = 0;
  for (size_t i = 0; i < tracks.size(); ++i) {
    auto track = std::make_unique<Track>();
    track->kind = tracks[i];
    const bool video = tracks[i] == TrackKind::Video;
    track->source = mixer::AddElement(bin, "appsrc", name + (video ? "-video" : "-audio") + std::to_string(i));
    g_object_set(track->source.get(), "format", GST_FORMAT_TIME, "is-live", FALSE, "max-bytes", guint64{0},
                 "max-buffers", guint64{0}, "max-time", guint64{0}, nullptr);
    GstElement* last = track->source.get();
    if (video && options_.matroska) {
      // H.264 as depayloaded (byte-stream or avc) to what Matroska holds.
      GRef<GstElement> parser = mixer::AddElement(bin, "h264parse", name + "-parse" + std::to_string(i));
      mixer::LinkOrThrow(last, parser.get());
      last = parser.get();
    }
    GRef<GstPad> from = GRef<GstPad>::Adopt(gst_element_get_static_pad(last, "src"));
    GRef<GstPad> to;
    if (splitter) {
      to = GRef<GstPad>::Adopt(gst_element_request_pad_simple(
          splitter.get(), video ? "video" : ("audio_" + std::to_string(audioIndex++)).c_str()));
    } else {
      to = GRef<GstPad>::Adopt(gst_element_request_pad_simple(muxer.get(), video ? "video_%u" : "audio_%u"));
    }
    if (!to || gst_pad_link(from.get(), to.get()) != GST_PAD_LINK_OK) {
      throw std::runtime_error("cannot link a track into " + options_.location);
    }
    tracks_.push_back(std::move(track));
  }

  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(bus.get(), OnBusMessage, this, nullptr);
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    throw std::runtime_error("cannot write " + options_.location);
  }
}

ContainerWriter::~ContainerWriter() {
  Finish();
  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
}

GstBusSyncReply ContainerWriter::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  const GstBusSyncReply reply = Route(static_cast<ContainerWriter*>(data), message);
  // A sync handler that drops a message owns it (GstBusSyncHandler): not
  // unreffed, every state change of the writer's pipeline kept it alive.
  if (reply == GST_BUS_DROP) gst_message_unref(message);
  return reply;
}

// Streaming threads: hands what matters to the control thread, keeps EOS
// and errors queued for Finish, and drops the rest.
GstBusSyncReply ContainerWriter::Route(ContainerWriter* writer, GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      const std::string text = ErrorText(message);
      if (!writer->failed_.exchange(true)) {
        GST_ERROR("archive write failed [file:%s error:%s]", writer->options_.location.c_str(), text.c_str());
        writer->poster_.Post([writer, text] { writer->onEvent_("error", text); });
      }
      return GST_BUS_PASS;
    }
    case GST_MESSAGE_EOS:
      return GST_BUS_PASS;
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      const char* location = s ? gst_structure_get_string(s, "location") : nullptr;
      if (!location) return GST_BUS_DROP;
      std::string event;
      if (gst_structure_has_name(s, "splitmuxsink-fragment-opened")) event = "segment-opened";
      if (gst_structure_has_name(s, "splitmuxsink-fragment-closed")) event = "segment-closed";
      if (!event.empty()) {
        std::lock_guard lock(writer->segmentMutex_);
        writer->openSegment_ = event == "segment-opened" ? location : "";
      }
      if (!event.empty()) {
        writer->poster_.Post([writer, event, file = std::string(location)] { writer->onEvent_(event, file); });
      }
      return GST_BUS_DROP;
    }
    default:
      return GST_BUS_DROP;
  }
}

void ContainerWriter::Write(size_t index, GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
  if (index >= tracks_.size() || failed_ || finished_ || !GST_CLOCK_TIME_IS_VALID(runningTime)) return;
  Track& track = *tracks_[index];
  std::lock_guard lock(track.mutex);
  if (!track.started) {
    if (track.kind == TrackKind::Audio && runningTime < options_.zero) return;
    // A decoder can start only at a keyframe; the tap asked for one. Frames
    // reach the tap some tens of ms after their running time, so the one
    // asked for may be from just before the start: it opens the file at 0
    // rather than waiting for the next (seconds later).
    if (track.kind == TrackKind::Video &&
        (GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT) || runningTime + kLeadIn < options_.zero))
      return;
  }
  GstClockTime pts = runningTime > options_.zero ? runningTime - options_.zero : 0;
  if (pts < track.nextPts) {
    // Timestamps must rise: a jitterbuffer repeats the last one for a late
    // packet, and the mix re-anchors after a stall. Sound that overlaps what
    // is written goes; a picture, which later ones depend on, moves to just
    // after the one before.
    if (track.kind == TrackKind::Audio) {
      ++dropped_;
      return;
    }
    pts = track.nextPts;
  }
  GstAppSrc* source = GST_APP_SRC(track.source.get());
  if (gst_app_src_get_current_level_time(source) > kMaxQueued) {
    ++dropped_;
    // The pictures after a dropped one refer to it: the track starts again
    // at the next keyframe rather than write what no decoder can show.
    if (track.kind == TrackKind::Video) track.started = false;
    return;
  }
  if (!track.capsSet) {
    gst_app_src_set_caps(source, caps);
    track.capsSet = true;
  }
  track.started = true;
  // Sound must not overlap by much either (the mix's timeline is moved a
  // little at times when a recording re-anchors it): the next frame starts in
  // this one's second half at the earliest.
  const GstClockTime duration = GST_BUFFER_DURATION(frame);
  track.nextPts = pts + (track.kind == TrackKind::Audio && GST_CLOCK_TIME_IS_VALID(duration) && duration > 2 * kTimestampStep
                             ? duration / 2
                             : kTimestampStep);
  GstBuffer* copy = gst_buffer_copy(frame);  // metadata only; the memory is shared
  GST_BUFFER_PTS(copy) = pts;
  GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
  if (gst_app_src_push_buffer(source, copy) != GST_FLOW_OK) {
    ++dropped_;
    if (track.kind == TrackKind::Video) track.started = false;
  }
}

std::string ContainerWriter::OpenSegment() const {
  std::lock_guard lock(segmentMutex_);
  return openSegment_;
}

void ContainerWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& track : tracks_) {
    std::lock_guard lock(track->mutex);
    gst_app_src_end_of_stream(GST_APP_SRC(track->source.get()));
  }
  if (!failed_) {
    GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
    GRef<GstMessage> done = GRef<GstMessage>::Adopt(gst_bus_timed_pop_filtered(
        bus.get(), kFinishTimeout, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    if (!done) GST_WARNING("archive writer did not finish in time [file:%s]", options_.location.c_str());
  }
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  GST_INFO("close archive file [file:%s dropped:%" G_GUINT64_FORMAT "]", options_.location.c_str(),
           static_cast<guint64>(dropped_));
}

}  // namespace plenum::recorder
