#include "broadcast/BroadcastOutput.hpp"

#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <vector>

#include "broadcast/Log.hpp"
#include "mixer/Elements.hpp"

namespace plenum::broadcast {
namespace {

// What may wait for a server that is slow or not there yet: beyond it the
// oldest frames go, and the picture starts again at a keyframe.
constexpr GstClockTime kMaxQueued = 2 * GST_SECOND;
// How long a stop waits for the muxer's end to reach the server or file.
constexpr auto kDrainTimeout = std::chrono::seconds(3);
constexpr unsigned kMaxRetryDelaySeconds = 30;
// Timestamps must rise in FLV and MPEG-TS.
constexpr GstClockTime kTimestampStep = GST_MSECOND;

std::string ErrorText(GstMessage* message) {
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = error ? error->message : "unknown error";
  if (error) g_error_free(error);
  g_free(debug);  // may name the URL; never shown
  return text;
}

}  // namespace

const char* StateName(OutputState state) {
  switch (state) {
    case OutputState::Starting: return "starting";
    case OutputState::Live: return "live";
    case OutputState::Retrying: return "retrying";
    case OutputState::Failed: return "failed";
    case OutputState::Stopped: return "stopped";
  }
  return "unknown";
}

// One try at reaching the target: its pipeline and where each track stands.
struct BroadcastOutput::Attempt {
  struct Track {
    GRef<GstElement> source;
    GRef<GstCaps> caps;
    bool started = false;
    GstClockTime nextPts = 0;
  };

  uint64_t generation = 0;
  bool hls = false;
  BroadcastOutput* owner = nullptr;  // used on the control thread only, through poster
  mixer::ControlPoster poster;
  GRef<GstElement> pipeline;
  Track video;
  Track audio;
  bool zeroKnown = false;
  GstClockTime zero = 0;  // the program's time of this attempt's first keyframe
  // Sound that came before the first keyframe did: the picture's encode
  // may lag the sound's by a second on a busy machine, and what belongs
  // after the keyframe must not be lost (an HLS player gives up on a first
  // segment without sound).
  struct Pending {
    GRef<GstBuffer> frame;
    GRef<GstCaps> caps;
    GstClockTime time;
  };
  std::deque<Pending> pendingAudio;
  int sinkBuffers = 0;  // streaming thread of the sink

  std::mutex endMutex;
  std::condition_variable endSignal;
  bool ended = false;  // EOS or an error reached the bus

  // One frame into its track's appsrc, on this attempt's timeline; under
  // the output's mutex.
  void PushTrack(Track& track, bool video, GstBuffer* frame, GstCaps* caps, GstClockTime pts);

  void PostLive() {
    poster.Post([owner = owner, generation = generation] { owner->OnLive(generation); });
  }
  void MarkEnded() {
    std::lock_guard lock(endMutex);
    ended = true;
    endSignal.notify_all();
  }
};

void BroadcastOutput::Attempt::PushTrack(Track& track, bool video, GstBuffer* frame, GstCaps* caps, GstClockTime pts) {
  const bool keyframe = video && !GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT);
  if (pts < zero) return;
  if (video && !track.started && !keyframe) return;
  GstAppSrc* source = GST_APP_SRC(track.source.get());
  if (gst_app_src_get_current_level_time(source) > kMaxQueued) {
    if (video) track.started = false;
    return;
  }
  GstClockTime out = std::max(pts - zero, track.nextPts);
  if (!track.caps || !gst_caps_is_equal(track.caps.get(), caps)) {
    gst_app_src_set_caps(source, caps);
    track.caps = GRef<GstCaps>::Ref(caps);
  }
  track.started = true;
  track.nextPts = out + kTimestampStep;
  GstBuffer* copy = gst_buffer_copy(frame);  // metadata only; the memory is shared
  GST_BUFFER_PTS(copy) = out;
  GST_BUFFER_DTS(copy) = out;  // no B-frames (zero latency)
  gst_app_src_push_buffer(source, copy);
}

BroadcastOutput::BroadcastOutput(Settings settings, GMainContext* control, std::function<void()> requestKeyframe,
                                 StateHandler onStateChanged)
    : requestKeyframe_(std::move(requestKeyframe)),
      onStateChanged_(std::move(onStateChanged)),
      settings_(std::move(settings)),
      control_(control),
      poster_(control, alive_) {
  InitBroadcastDebug();
}

void BroadcastOutput::Start() {
  GST_INFO("start broadcast [room:%s id:%s kind:%s url:%s]", settings_.room.c_str(), settings_.id.c_str(),
           KindName(settings_.target.kind), settings_.target.shown.c_str());
  StartAttempt();
}

BroadcastOutput::~BroadcastOutput() {
  onStateChanged_ = nullptr;
  Stop();
}

std::shared_ptr<BroadcastOutput::Attempt> BroadcastOutput::BuildAttempt() {
  auto attempt = std::make_shared<Attempt>();
  attempt->generation = generation_;
  attempt->hls = settings_.target.kind == BroadcastKind::Hls;
  attempt->owner = this;
  attempt->poster = poster_;
  const std::string name = "broadcast-" + settings_.id;
  attempt->pipeline = GRef<GstElement>::Sink(gst_pipeline_new(name.c_str()));
  GstBin* bin = GST_BIN(attempt->pipeline.get());

  GstPad* videoIn = nullptr;  // the muxer's pads, owned by `requested`
  GstPad* audioIn = nullptr;
  std::vector<GRef<GstPad>> requested;
  GRef<GstElement> sink;
  const auto request = [&requested](GstElement* element, const char* pad) {
    GRef<GstPad> got = GRef<GstPad>::Adopt(gst_element_request_pad_simple(element, pad));
    if (!got) throw std::runtime_error(std::string("cannot request a ") + pad + " pad");
    requested.push_back(got);
    return got.get();
  };
  switch (settings_.target.kind) {
    case BroadcastKind::Rtmp: {
      GRef<GstElement> mux = mixer::AddElement(bin, "flvmux", name + "-flv");
      g_object_set(mux.get(), "streamable", TRUE, nullptr);
      sink = mixer::AddElement(bin, "rtmp2sink", name + "-rtmp");
      g_object_set(sink.get(), "location", settings_.target.url.c_str(), "async", FALSE, "sync", FALSE, nullptr);
      mixer::LinkOrThrow(mux.get(), sink.get());
      videoIn = request(mux.get(), "video");
      audioIn = request(mux.get(), "audio");
      break;
    }
    case BroadcastKind::Srt: {
      GRef<GstElement> mux = mixer::AddElement(bin, "mpegtsmux", name + "-ts");
      g_object_set(mux.get(), "alignment", 7, nullptr);  // 7 packets: one SRT payload of 1316 bytes
      sink = mixer::AddElement(bin, "srtsink", name + "-srt");
      g_object_set(sink.get(), "uri", settings_.target.url.c_str(), "async", FALSE, "sync", FALSE,
                   "wait-for-connection", TRUE, "auto-reconnect", FALSE, nullptr);
      mixer::LinkOrThrow(mux.get(), sink.get());
      videoIn = request(mux.get(), "sink_%d");
      audioIn = request(mux.get(), "sink_%d");
      break;
    }
    case BroadcastKind::Hls: {
      GRef<GstElement> hls = mixer::AddElement(bin, "hlssink2", name + "-hls");
      const std::string segments = settings_.hlsDirectory + "/" + settings_.id + "-%05d.ts";
      const std::string playlist = settings_.hlsDirectory + "/" + settings_.hlsPlaylist;
      // Segments stay two beyond the playlist: a player that read the
      // playlist just before it moved still finds what it names.
      g_object_set(hls.get(), "location", segments.c_str(), "playlist-location", playlist.c_str(), "target-duration",
                   static_cast<guint>(settings_.hlsSegmentSeconds), "playlist-length", settings_.hlsPlaylistLength,
                   "max-files", settings_.hlsPlaylistLength + 2, nullptr);
      videoIn = request(hls.get(), "video");
      audioIn = request(hls.get(), "audio");
      break;
    }
  }

  const auto track = [&](Attempt::Track& track, const char* kind, const char* parserFactory, GstPad* into) {
    track.source = mixer::AddElement(bin, "appsrc", name + "-" + kind);
    // Not live: the muxer goes by the frames' times, not by a clock, and
    // waits for both tracks (the program always has both).
    g_object_set(track.source.get(), "format", GST_FORMAT_TIME, "is-live", FALSE, "max-bytes", guint64{0},
                 "max-buffers", guint64{0}, "max-time", guint64{0}, nullptr);
    GRef<GstElement> parser = mixer::AddElement(bin, parserFactory, name + "-" + kind + "-parse");
    mixer::LinkOrThrow(track.source.get(), parser.get());
    GRef<GstPad> out = GRef<GstPad>::Adopt(gst_element_get_static_pad(parser.get(), "src"));
    if (gst_pad_link(out.get(), into) != GST_PAD_LINK_OK) throw std::runtime_error(std::string("cannot link ") + kind);
  };
  track(attempt->video, "video", "h264parse", videoIn);
  track(attempt->audio, "audio", "aacparse", audioIn);

  if (sink) {
    // The sink waits for its connection before it sends the first buffer:
    // the second one reaching it means the server took the first.
    GRef<GstPad> in = GRef<GstPad>::Adopt(gst_element_get_static_pad(sink.get(), "sink"));
    // (mpegtsmux hands SRT its packets in lists)
    gst_pad_add_probe(in.get(),
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      OnSinkBuffer, attempt.get(), nullptr);
  }
  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(attempt->pipeline.get()));
  gst_bus_set_sync_handler(bus.get(), OnBusMessage, attempt.get(), nullptr);
  if (gst_element_set_state(attempt->pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(attempt->pipeline.get(), GST_STATE_NULL);
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    throw std::runtime_error("the output cannot start");
  }
  return attempt;
}

void BroadcastOutput::StartAttempt() {
  ++generation_;
  try {
    std::shared_ptr<Attempt> attempt = BuildAttempt();
    {
      std::lock_guard lock(mutex_);
      attempt_ = std::move(attempt);
    }
    if (requestKeyframe_) requestKeyframe_();
  } catch (const std::exception& e) {
    OnFailure(generation_, e.what());
  }
}

void BroadcastOutput::EndAttempt(bool drain) {
  std::shared_ptr<Attempt> attempt;
  {
    std::lock_guard lock(mutex_);
    attempt = std::move(attempt_);
  }
  ++generation_;  // what the old attempt still posts is stale
  if (!attempt) return;
  if (drain) {
    gst_app_src_end_of_stream(GST_APP_SRC(attempt->video.source.get()));
    gst_app_src_end_of_stream(GST_APP_SRC(attempt->audio.source.get()));
    std::unique_lock lock(attempt->endMutex);
    if (!attempt->endSignal.wait_for(lock, kDrainTimeout, [&] { return attempt->ended; }))
      GST_WARNING("broadcast did not end in time [room:%s id:%s]", settings_.room.c_str(), settings_.id.c_str());
  }
  gst_element_set_state(attempt->pipeline.get(), GST_STATE_NULL);
  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(attempt->pipeline.get()));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
}

// Streaming threads: an attempt's end and failure, and an HLS segment.
GstBusSyncReply BroadcastOutput::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  auto* attempt = static_cast<Attempt*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      const std::string text = ErrorText(message);
      attempt->MarkEnded();
      attempt->poster.Post(
          [owner = attempt->owner, generation = attempt->generation, text] { owner->OnFailure(generation, text); });
      break;
    }
    case GST_MESSAGE_EOS: attempt->MarkEnded(); break;
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      if (attempt->hls && s && gst_structure_has_name(s, "splitmuxsink-fragment-closed")) attempt->PostLive();
      break;
    }
    default: break;
  }
  // Nobody pops this bus. A sync handler that drops a message owns it
  // (GstBusSyncHandler): kept, each held the pipeline alive.
  gst_message_unref(message);
  return GST_BUS_DROP;
}

GstPadProbeReturn BroadcastOutput::OnSinkBuffer(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* attempt = static_cast<Attempt*>(data);
  if (++attempt->sinkBuffers < 2) return GST_PAD_PROBE_OK;
  attempt->PostLive();
  return GST_PAD_PROBE_REMOVE;
}

void BroadcastOutput::Push(bool video, GstBuffer* frame, GstCaps* caps, GstClockTime pts) {
  std::lock_guard lock(mutex_);
  if (!attempt_) return;
  Attempt& attempt = *attempt_;
  Attempt::Track& track = video ? attempt.video : attempt.audio;
  const bool keyframe = video && !GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_LOG("frame [id:%s %s pts:%" GST_TIME_FORMAT " keyframe:%d zero:%" GST_TIME_FORMAT "]", settings_.id.c_str(),
          video ? "video" : "audio", GST_TIME_ARGS(pts), keyframe, GST_TIME_ARGS(attempt.zero));
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
  // Both tracks start at the first keyframe: a viewer's decoder can start
  // there, and sound before it would have no picture.
  if (!attempt.zeroKnown) {
    if (!video) {
      attempt.pendingAudio.push_back({GRef<GstBuffer>::Ref(frame), GRef<GstCaps>::Ref(caps), pts});
      while (attempt.pendingAudio.size() > 1 &&
             attempt.pendingAudio.back().time > attempt.pendingAudio.front().time + kMaxQueued)
        attempt.pendingAudio.pop_front();
      return;
    }
    if (!keyframe) return;
    attempt.zero = pts;
    attempt.zeroKnown = true;
    std::deque<Attempt::Pending> pending = std::move(attempt.pendingAudio);
    for (const auto& sound : pending) {
      if (sound.time >= attempt.zero)
        attempt.PushTrack(attempt.audio, false, sound.frame.get(), sound.caps.get(), sound.time);
    }
  }
  attempt.PushTrack(track, video, frame, caps, pts);
}

void BroadcastOutput::OnLive(uint64_t generation) {
  if (generation != generation_ || state_ == OutputState::Live) return;
  retryDelaySeconds_ = 1;
  GST_INFO("broadcast live [room:%s id:%s url:%s]", settings_.room.c_str(), settings_.id.c_str(),
           settings_.target.shown.c_str());
  SetState(OutputState::Live);
}

void BroadcastOutput::OnFailure(uint64_t generation, const std::string& reason) {
  if (generation != generation_ || state_ == OutputState::Stopped) return;
  error_ = RedactSecrets(settings_.target, reason);
  EndAttempt(false);
  if (settings_.target.kind == BroadcastKind::Hls) {
    // Files this server writes: a failure is the disk's, and trying again
    // would fail again.
    GST_ERROR("broadcast failed [room:%s id:%s error:%s]", settings_.room.c_str(), settings_.id.c_str(),
              error_.c_str());
    SetState(OutputState::Failed);
    return;
  }
  GST_WARNING("broadcast lost its server, retrying [room:%s id:%s url:%s in:%us error:%s]", settings_.room.c_str(),
              settings_.id.c_str(), settings_.target.shown.c_str(), retryDelaySeconds_, error_.c_str());
  retryTimer_ = GRef<GSource>::Adopt(g_timeout_source_new_seconds(retryDelaySeconds_));
  g_source_set_callback(
      retryTimer_.get(),
      +[](gpointer self) -> gboolean {
        auto* output = static_cast<BroadcastOutput*>(self);
        output->retryTimer_.Reset();  // the source is destroyed as this returns
        output->StartAttempt();
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(retryTimer_.get(), control_);
  retryDelaySeconds_ = std::min(retryDelaySeconds_ * 2, kMaxRetryDelaySeconds);
  SetState(OutputState::Retrying);
}

void BroadcastOutput::Stop() {
  if (state_ == OutputState::Stopped) return;
  if (retryTimer_) {
    g_source_destroy(retryTimer_.get());
    retryTimer_.Reset();
  }
  bool attempting = false;
  {
    std::lock_guard lock(mutex_);
    attempting = attempt_ != nullptr;
  }
  // An HLS playlist always gets its end; a server only when it is there to
  // take it (an unreachable one would only make the stop wait).
  const bool drain = attempting && (settings_.target.kind == BroadcastKind::Hls || state_ == OutputState::Live);
  EndAttempt(drain);
  GST_INFO("stop broadcast [room:%s id:%s]", settings_.room.c_str(), settings_.id.c_str());
  SetState(OutputState::Stopped);
}

void BroadcastOutput::SetState(OutputState state) {
  if (state_ == state) return;
  state_ = state;
  if (onStateChanged_) onStateChanged_();
}

}  // namespace plenum::broadcast
