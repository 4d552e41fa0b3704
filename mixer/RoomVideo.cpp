#include "mixer/RoomVideo.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <algorithm>
#include <stdexcept>

#include "mixer/Elements.hpp"
#include "mixer/Log.hpp"
#include "mixer/VideoComposite.hpp"

namespace plenum::mixer {
namespace {

constexpr guint kRtpMtu = 1200;  // leaves room for SRTP and TURN overhead
constexpr std::chrono::milliseconds kKeyframeTimerPeriod{100};
// RTP packets a camera's appsrc holds before it drops the oldest: far more
// than its jitter buffer ever waits for (a second of 1.5 Mbit/s is about
// 160), so only a stalled chain loses packets here, never the worker.
constexpr guint64 kCameraQueuePackets = 256;
constexpr int kNameTileFramerate = 5;  // a still picture: few frames are enough
constexpr const char* kCameraBinPrefix = "camera-";
constexpr const char* kNameBinPrefix = "name-";
// Above the background (0): a name tile (1), and over it its camera (2),
// which covers the name from its first frame until the name goes.
constexpr guint kNameZorder = 1;
constexpr guint kCameraZorder = 2;

GRef<GstCaps> TileCaps(const Rect& tile, int framerate = 0) {
  // I420 at exactly the tile's size: videoscale letterboxes to keep the
  // camera's aspect ratio, and the compositor only copies.
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(
      gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, tile.width, "height",
                          G_TYPE_INT, tile.height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr));
  if (framerate > 0) gst_caps_set_simple(caps.get(), "framerate", GST_TYPE_FRACTION, framerate, 1, nullptr);
  return caps;
}

void LinkChain(const std::vector<GstElement*>& chain) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) LinkOrThrow(chain[i], chain[i + 1]);
}

GRef<GstPad> StaticPad(GstElement* element, const char* name) {
  return GRef<GstPad>::Adopt(gst_element_get_static_pad(element, name));
}

// Stops a tile's bin and takes its compositor pad away: flushed first, so
// no thread of the bin stays blocked inside the compositor and stopping it
// joins its threads (a probe holding the stream lets go when its pad
// deactivates); then released, which unlinks it, rather than unlinked
// first: no moment with a compositor input that has no peer.
void RemoveTile(GstBin* pipeline, VideoComposite& composite, GRef<GstElement>& bin, GRef<GstPad>& tilePad) {
  if (tilePad) gst_pad_set_active(tilePad.get(), FALSE);
  if (bin) {
    gst_element_set_locked_state(bin.get(), TRUE);
    gst_element_set_state(bin.get(), GST_STATE_NULL);
  }
  if (tilePad) composite.ReleaseTilePad(tilePad);
  tilePad.Reset();
  if (bin && GST_OBJECT_PARENT(bin.get()) == GST_OBJECT(pipeline)) gst_bin_remove(pipeline, bin.get());
  bin.Reset();
}

}  // namespace

struct RoomVideo::Camera {
  VideoCodec codec = VideoCodec::VP8;
  // Tasks posted for this camera check it; dropped (on the worker) when
  // the camera goes.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  GRef<GstElement> bin;
  GRef<GstElement> source;  // appsrc
  GRef<GstElement> depay;
  GRef<GstElement> scale;
  GRef<GstElement> tileCaps;
  GRef<GstPad> tilePad;    // the compositor's
  gulong resizeProbe = 0;  // set while a tile resize waits for the stream to be held
  bool showing = false;    // its first decoded frame has reached the compositor
  std::unique_ptr<PadTap> tap;
};

struct RoomVideo::NameTile {
  GRef<GstElement> bin;
  GRef<GstPad> tilePad;  // the compositor's
  Rect size;             // what it was drawn for (only width and height count)
};

struct RoomVideo::Participant {
  std::string id;
  std::string name;
  uint64_t order = 0;
  bool withCamera = false;  // added by AddCamera alone: leaves with its camera
  Rect tile;
  std::unique_ptr<Camera> camera;
  std::unique_ptr<NameTile> nameTile;
};

// What a probe on a camera's pads needs to reach the camera: followed
// only on the worker, after checking the camera still exists (and with
// it its participant).
struct RoomVideo::CameraRoute {
  std::weak_ptr<int> alive;
  RoomVideo* video;
  Participant* participant;

  static void Delete(gpointer data) { delete static_cast<CameraRoute*>(data); }
  // From any thread.
  template <typename Task>
  void Post(Task task) const {
    video->worker_.Post([alive = alive, video = video, participant = participant, task] {
      if (alive.lock()) task(*video, *participant);
    });
  }
};

RoomVideo::RoomVideo(Listener& listener, transport::MediaWorker& worker, const MediaOptions& options, uint32_t ssrc,
                     const std::string& name, GstClock* clock, GstClockTime baseTime, uint32_t h264Ssrc,
                     CompositeFrameCounters* frames)
    : listener_(listener),
      worker_(worker),
      options_(options),
      ssrc_(ssrc),
      h264Ssrc_([&] {
        if (h264Ssrc != 0) return h264Ssrc;
        uint32_t drawn = 0;
        while (drawn == 0 || drawn == ssrc) drawn = g_random_int();
        return drawn;
      }()),
      name_(name) {
  pipeline_ = GRef<GstElement>::Sink(gst_pipeline_new(("room-video-" + name_).c_str()));
  if (clock) {
    // The room's timeline: the given clock and base time, kept as they are
    // when the pipeline starts (no start time to derive a base time from).
    gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock);
    gst_element_set_start_time(pipeline_.get(), GST_CLOCK_TIME_NONE);
    gst_element_set_base_time(pipeline_.get(), baseTime);
  }
  GstBin* bin = GST_BIN(pipeline_.get());
  composite_ = std::make_unique<VideoComposite>(bin, options_, frames);

  // One payloader for every receiver: each gets the same packets, under
  // the payload type it negotiated (RoomMedia rewrites a copy).
  payloader_ = AddElement(bin, "rtpvp8pay", "composite-pay");
  gst_util_set_object_arg(G_OBJECT(payloader_.get()), "picture-id-mode", "15-bit");
  g_object_set(payloader_.get(), "pt", static_cast<guint>(kPayloadType), "mtu", kRtpMtu, "ssrc", ssrc_, nullptr);
  sink_ = AddSink("composite-sink", VideoCodec::VP8);
  LinkOrThrow(payloader_.get(), sink_.get());
  encodedPad_ = composite_->RequestEncodedPad(VideoCodec::VP8);
  GRef<GstPad> payloaderSink = StaticPad(payloader_.get(), "sink");
  if (gst_pad_link(encodedPad_.get(), payloaderSink.get()) != GST_PAD_LINK_OK)
    throw std::runtime_error("cannot link the composite to its payloader");

  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
  busWatch_ = GRef<GSource>::Adopt(gst_bus_create_watch(bus.get()));
  g_source_set_callback(busWatch_.get(), G_SOURCE_FUNC(+[](GstBus*, GstMessage* message, gpointer self) -> gboolean {
                          static_cast<RoomVideo*>(self)->OnBusMessage(message);
                          return G_SOURCE_CONTINUE;
                        }),
                        this, nullptr);
  g_source_attach(busWatch_.get(), worker_.Context());

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_source_destroy(busWatch_.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    throw std::runtime_error("the room's video pipeline cannot start");
  }
  keyframeTimer_ = std::make_unique<transport::PeriodicTimer>(worker_.Context(), kKeyframeTimerPeriod,
                                                              [this] { composite_->ServeDeferredKeyframe(); });
  GST_INFO("create room-video [room:%s size:%dx%d ssrc:%u h264-ssrc:%u base-time:%" GST_TIME_FORMAT "]", name_.c_str(),
           options_.videoWidth, options_.videoHeight, ssrc_, h264Ssrc_,
           GST_TIME_ARGS(gst_element_get_base_time(pipeline_.get())));
}

RoomVideo::~RoomVideo() {
  keyframeTimer_.reset();
  compositeTap_.reset();
  rawTap_.reset();
  for (const auto& participant : participants_) {
    if (participant->camera) participant->camera->tap.reset();
  }
  g_source_destroy(busWatch_.get());
  // Joins every streaming thread: no callback or probe of ours runs after
  // this, and whatever they posted finds the tokens gone.
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  // Packets posted for us are dropped from now on. Only now: OnNewSample
  // copies alive_ on the compositor's thread, and resetting it while that
  // thread may still run is a data race on the shared_ptr (the control
  // block freed under the copy, then freed again by it). What was posted
  // meanwhile runs on this worker only after we have returned.
  alive_.reset();
  participants_.clear();
  composite_.reset();
  GST_INFO("destroy room-video [room:%s]", name_.c_str());
}

GRef<GstElement> RoomVideo::AddSink(const char* name, VideoCodec codec) {
  GRef<GstElement> sink = AddElement(GST_BIN(pipeline_.get()), "appsink", name);
  // Packets leave as they are made: the composite is paced by its live
  // background already, and the sink must never hold up the encoder.
  g_object_set(sink.get(), "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 64u, "drop", TRUE,
               nullptr);
  GstAppSinkCallbacks callbacks{};
  if (codec == VideoCodec::H264) {
    callbacks.new_sample = +[](GstAppSink* appsink, gpointer data) {
      return OnNewSample(GST_ELEMENT(appsink), static_cast<RoomVideo*>(data), VideoCodec::H264);
    };
  } else {
    callbacks.new_sample = +[](GstAppSink* appsink, gpointer data) {
      return OnNewSample(GST_ELEMENT(appsink), static_cast<RoomVideo*>(data), VideoCodec::VP8);
    };
  }
  gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &callbacks, this, nullptr);
  return sink;
}

int RoomVideo::Width() const { return composite_->width(); }
int RoomVideo::Height() const { return composite_->height(); }

std::vector<std::pair<std::string, Rect>> RoomVideo::Tiles() const {
  std::vector<std::pair<std::string, Rect>> tiles;
  for (const auto& participant : participants_) tiles.emplace_back(participant->id, participant->tile);
  return tiles;
}

RoomVideo::Participant* RoomVideo::Find(const std::string& participant) const {
  for (const auto& candidate : participants_) {
    if (candidate->id == participant) return candidate.get();
  }
  return nullptr;
}

bool RoomVideo::HasCamera(const std::string& participant) const {
  const Participant* found = Find(participant);
  return found && found->camera;
}

// In its place by order (after those of the same order), with its tile in
// the new layout; the others keep theirs until Relayout.
RoomVideo::Participant& RoomVideo::Insert(std::unique_ptr<Participant> participant) {
  const auto at = std::find_if(participants_.begin(), participants_.end(),
                               [&](const auto& other) { return other->order > participant->order; });
  const size_t index = static_cast<size_t>(at - participants_.begin());
  participant->tile = ComputeGrid(static_cast<int>(participants_.size()) + 1, Width(), Height())[index];
  return **participants_.insert(at, std::move(participant));
}

void RoomVideo::Erase(const std::string& participant) {
  const auto found = std::find_if(participants_.begin(), participants_.end(),
                                  [&](const auto& candidate) { return candidate->id == participant; });
  if (found == participants_.end()) return;
  if ((*found)->camera) TakeApart(*(*found)->camera);
  RemoveNameTile(**found);
  participants_.erase(found);
}

void RoomVideo::AddParticipant(const std::string& participant, const std::string& name, uint64_t order) {
  if (Participant* known = Find(participant)) {
    // Already there (its camera came first, or it has a new name): named,
    // and in its place by the new order.
    const bool renamed = known->name != name;
    known->name = name;
    known->order = order;
    known->withCamera = false;
    std::stable_sort(participants_.begin(), participants_.end(),
                     [](const auto& a, const auto& b) { return a->order < b->order; });
    if (renamed) RemoveNameTile(*known);
    Relayout();
    ShowName(*known);
    GST_INFO("rename participant [room:%s id:%s order:%" G_GUINT64_FORMAT "]", name_.c_str(), participant.c_str(),
             order);
    return;
  }
  auto added = std::make_unique<Participant>();
  added->id = participant;
  added->name = name;
  added->order = order;
  Participant& placed = Insert(std::move(added));
  ShowName(placed);
  Relayout();
  GST_INFO("add participant [room:%s id:%s order:%" G_GUINT64_FORMAT " tiles:%zu]", name_.c_str(), participant.c_str(),
           order, participants_.size());
}

void RoomVideo::RemoveParticipant(const std::string& participant) {
  cameraTaps_.erase(participant);
  if (!Find(participant)) return;
  Erase(participant);
  Relayout();
  GST_INFO("remove participant [room:%s id:%s tiles:%zu]", name_.c_str(), participant.c_str(), participants_.size());
}

void RoomVideo::AddCamera(const std::string& participant, int payloadType, VideoCodec codec, uint64_t order) {
  Participant* found = Find(participant);
  if (found && found->camera) return;
  const bool added = !found;
  if (added) {
    auto made = std::make_unique<Participant>();
    made->id = participant;
    made->order = order;
    made->withCamera = true;
    found = &Insert(std::move(made));
  }
  Participant& owner = *found;
  auto camera = std::make_unique<Camera>();
  camera->codec = codec;
  try {
    // At its tile's size in the new layout.
    BuildCamera(owner, *camera, payloadType);
  } catch (const std::exception& error) {
    GST_ERROR("fail camera [room:%s id:%s error:%s]", name_.c_str(), participant.c_str(), error.what());
    TakeApart(*camera);
    if (added) Erase(participant);
    throw;
  }
  owner.camera = std::move(camera);
  AttachCameraTap(owner);
  if (added) Relayout();
  GST_INFO("add camera [room:%s id:%s pt:%d codec:%s tiles:%zu]", name_.c_str(), participant.c_str(), payloadType,
           codec == VideoCodec::H264 ? "h264" : "vp8", participants_.size());
}

void RoomVideo::BuildCamera(Participant& participant, Camera& camera, int payloadType) {
  const std::string& id = participant.id;
  const bool h264 = camera.codec == VideoCodec::H264;
  camera.bin = GRef<GstElement>::Sink(gst_bin_new((kCameraBinPrefix + id).c_str()));
  GstBin* bin = GST_BIN(camera.bin.get());

  camera.source = AddElement(bin, "appsrc", "camera-src-" + id);
  GRef<GstCaps> rtpCaps = GRef<GstCaps>::Adopt(gst_caps_new_simple(
      "application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING, h264 ? "H264" : "VP8",
      "clock-rate", G_TYPE_INT, 90000, "payload", G_TYPE_INT, payloadType, nullptr));
  // Stamped with the running time they are taken in: their arrival on the
  // room's timeline, which the jitter buffer measures jitter and schedules
  // by, and which the camera's frames (and taps) carry on.
  g_object_set(camera.source.get(), "caps", rtpCaps.get(), "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
               TRUE, "max-buffers", kCameraQueuePackets, "max-bytes", guint64{0}, "max-time", guint64{0}, nullptr);
  // The worker pushes and must never block on a stalled chain.
  gst_util_set_object_arg(G_OBJECT(camera.source.get()), "leaky-type", "downstream");
  GRef<GstElement> jitter = AddElement(bin, "rtpjitterbuffer", "camera-jitter-" + id);
  g_object_set(jitter.get(), "latency", options_.jitterLatencyMs, nullptr);
  camera.depay = AddElement(bin, h264 ? "rtph264depay" : "rtpvp8depay", "camera-depay-" + id);
  // On loss, ask the sender for a keyframe rather than decode garbage.
  g_object_set(camera.depay.get(), "request-keyframe", TRUE, "wait-for-keyframe", TRUE, nullptr);
  GRef<GstElement> decoder = AddElement(bin, h264 ? "avdec_h264" : "vp8dec", "camera-dec-" + id);
  g_object_set(decoder.get(), "automatic-request-sync-points", TRUE, "discard-corrupted-frames", TRUE, nullptr);
  camera.scale = AddElement(bin, "videoscale", "camera-scale-" + id);
  GRef<GstElement> convert = AddElement(bin, "videoconvert", "camera-convert-" + id);
  camera.tileCaps = AddElement(bin, "capsfilter", "camera-tile-caps-" + id);
  GRef<GstCaps> tileCaps = TileCaps(participant.tile);
  g_object_set(camera.tileCaps.get(), "caps", tileCaps.get(), nullptr);
  GRef<GstElement> queue = AddElement(bin, "queue", "camera-queue-" + id);
  // Only the newest frame matters to a live composite.
  g_object_set(queue.get(), "max-size-buffers", 2u, "max-size-bytes", 0u, "max-size-time", guint64{0}, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue.get()), "leaky", "downstream");
  LinkChain({camera.source.get(), jitter.get(), camera.depay.get(), decoder.get(), camera.scale.get(), convert.get(),
             camera.tileCaps.get(), queue.get()});
  GRef<GstPad> queueSrc = StaticPad(queue.get(), "src");
  GRef<GstPad> ghost = GRef<GstPad>::Sink(gst_ghost_pad_new("tile", queueSrc.get()));
  gst_element_add_pad(camera.bin.get(), ghost.get());

  // The depayloader's and decoder's keyframe requests travel upstream to
  // the appsrc, which cannot answer them: the sender must, by PLI.
  GRef<GstPad> sourceSrc = StaticPad(camera.source.get(), "src");
  gst_pad_add_probe(
      sourceSrc.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM || !gst_video_event_is_force_key_unit(event))
          return GST_PAD_PROBE_OK;
        static_cast<CameraRoute*>(data)->Post([](RoomVideo& video, Participant& participant) {
          ++video.counters_.cameraKeyframeRequests;
          video.listener_.OnCameraKeyframeWanted(participant.id);
        });
        return GST_PAD_PROBE_DROP;
      },
      new CameraRoute{camera.alive, this, &participant}, CameraRoute::Delete);
  // The camera's first decoded frame on its way to the compositor: the
  // participant's name can go.
  gst_pad_add_probe(
      queueSrc.get(), GST_PAD_PROBE_TYPE_BUFFER,
      +[](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        static_cast<CameraRoute*>(data)->Post(
            [](RoomVideo& video, Participant& participant) { video.OnCameraShowing(participant); });
        return GST_PAD_PROBE_REMOVE;
      },
      new CameraRoute{camera.alive, this, &participant}, CameraRoute::Delete);

  // Whole and started before the compositor sees it (the compositor asks
  // its inputs for their latency whenever one comes or goes, and a chain
  // with a loose end fails that); nothing flows before the worker, which
  // is running this, pushes the first packet.
  gst_bin_add(GST_BIN(pipeline_.get()), camera.bin.get());
  if (!gst_element_sync_state_with_parent(camera.bin.get()))
    throw std::runtime_error("the camera of " + id + " cannot start");
  camera.tilePad = composite_->RequestTilePad(kCameraBinPrefix + id);
  g_object_set(camera.tilePad.get(), "zorder", kCameraZorder, nullptr);
  VideoComposite::PlaceTile(camera.tilePad.get(), participant.tile);
  if (gst_pad_link(ghost.get(), camera.tilePad.get()) != GST_PAD_LINK_OK)
    throw std::runtime_error("cannot link the camera of " + id + " to the composite");
}

void RoomVideo::RemoveCamera(const std::string& participant) {
  Participant* found = Find(participant);
  if (!found || !found->camera) return;
  if (found->withCamera) {
    // It came with its camera, and goes with it.
    Erase(participant);
    Relayout();
  } else {
    TakeApart(*found->camera);
    found->camera.reset();
    ShowName(*found);
  }
  GST_INFO("remove camera [room:%s id:%s tiles:%zu]", name_.c_str(), participant.c_str(), participants_.size());
}

void RoomVideo::TakeApart(Camera& camera) {
  camera.alive.reset();  // tasks posted for this camera are dropped
  camera.tap.reset();
  RemoveTile(GST_BIN(pipeline_.get()), *composite_, camera.bin, camera.tilePad);
}

void RoomVideo::OnCameraShowing(Participant& participant) {
  participant.camera->showing = true;
  RemoveNameTile(participant);
  GST_DEBUG("show camera [room:%s id:%s]", name_.c_str(), participant.id.c_str());
}

// The participant's name in its tile, unless its camera shows or it has
// no name (a black tile then, as the background). A name tile that cannot
// be built leaves the tile black, and the log says why.
void RoomVideo::ShowName(Participant& participant) {
  if (participant.name.empty() || (participant.camera && participant.camera->showing)) {
    RemoveNameTile(participant);
    return;
  }
  NameTile* tile = participant.nameTile.get();
  if (tile && tile->size.width == participant.tile.width && tile->size.height == participant.tile.height) {
    VideoComposite::PlaceTile(tile->tilePad.get(), participant.tile);
    return;
  }
  // A still picture at exactly the tile's size, so nothing is negotiated
  // or scaled while the room runs; a new size builds it again.
  RemoveNameTile(participant);
  try {
    BuildNameTile(participant);
  } catch (const std::exception& error) {
    GST_ERROR("fail name tile [room:%s id:%s error:%s]", name_.c_str(), participant.id.c_str(), error.what());
    RemoveNameTile(participant);
  }
}

void RoomVideo::BuildNameTile(Participant& participant) {
  const std::string& id = participant.id;
  const Rect& size = participant.tile;
  participant.nameTile = std::make_unique<NameTile>();
  NameTile& tile = *participant.nameTile;
  tile.size = size;
  tile.bin = GRef<GstElement>::Sink(gst_bin_new((kNameBinPrefix + id).c_str()));
  GstBin* bin = GST_BIN(tile.bin.get());
  // As the webrtcbin path drew it: the name in
  // white, centred, on black.
  GRef<GstElement> source = AddElement(bin, "videotestsrc", "name-source-" + id);
  g_object_set(source.get(), "pattern", 2 /* black */, "num-buffers", 1, nullptr);
  GRef<GstElement> sourceCaps = AddElement(bin, "capsfilter", "name-source-caps-" + id);
  GRef<GstCaps> caps = TileCaps(size, kNameTileFramerate);
  g_object_set(sourceCaps.get(), "caps", caps.get(), nullptr);
  GRef<GstElement> text = AddElement(bin, "textoverlay", "name-text-" + id);
  const std::string font = "Sans " + std::to_string(std::max(8, size.height / 12));
  g_object_set(text.get(), "text", participant.name.c_str(), "valignment", 4 /* center */, "halignment", 1 /* center */,
               "font-desc", font.c_str(), "shaded-background", FALSE, nullptr);
  GRef<GstElement> freeze = AddElement(bin, "imagefreeze", "name-freeze-" + id);
  g_object_set(freeze.get(), "is-live", TRUE, nullptr);
  GRef<GstElement> queue = AddElement(bin, "queue", "name-queue-" + id);
  VideoComposite::SetLatencyHeadroom(queue.get());
  LinkChain({source.get(), sourceCaps.get(), text.get(), freeze.get(), queue.get()});
  GRef<GstPad> queueSrc = StaticPad(queue.get(), "src");
  GRef<GstPad> ghost = GRef<GstPad>::Sink(gst_ghost_pad_new("tile", queueSrc.get()));
  gst_element_add_pad(tile.bin.get(), ghost.get());

  // Linked before it starts, as the webrtcbin path does: its source pushes
  // as soon as it runs, and must find the compositor there.
  gst_bin_add(GST_BIN(pipeline_.get()), tile.bin.get());
  tile.tilePad = composite_->RequestTilePad(kNameBinPrefix + id);
  g_object_set(tile.tilePad.get(), "zorder", kNameZorder, nullptr);
  VideoComposite::PlaceTile(tile.tilePad.get(), participant.tile);
  if (gst_pad_link(ghost.get(), tile.tilePad.get()) != GST_PAD_LINK_OK)
    throw std::runtime_error("cannot link the name tile of " + id + " to the composite");
  if (!gst_element_sync_state_with_parent(tile.bin.get()))
    throw std::runtime_error("the name tile of " + id + " cannot start");
  GST_DEBUG("show name [room:%s id:%s tile:%dx%d]", name_.c_str(), id.c_str(), size.width, size.height);
}

void RoomVideo::RemoveNameTile(Participant& participant) {
  if (!participant.nameTile) return;
  RemoveTile(GST_BIN(pipeline_.get()), *composite_, participant.nameTile->bin, participant.nameTile->tilePad);
  participant.nameTile.reset();
}

bool RoomVideo::PushCameraPacket(const std::string& participant, std::span<const uint8_t> packet) {
  Participant* found = Find(participant);
  if (!found || !found->camera || packet.empty()) return false;
  // appsrc takes the buffer (and is thread-safe); the transport's bytes
  // are only valid during its callback, so they are copied.
  gst_app_src_push_buffer(GST_APP_SRC(found->camera->source.get()),
                          gst_buffer_new_memdup(packet.data(), packet.size()));
  ++counters_.cameraPackets;
  return true;
}

void RoomVideo::EnableH264() {
  if (h264Sink_) return;
  GstBin* bin = GST_BIN(pipeline_.get());
  GRef<GstElement> payloader;
  GRef<GstElement> sink;
  try {
    payloader = AddElement(bin, "rtph264pay", "composite-h264-pay");
    // SPS/PPS with every IDR, so a receiver can start at any keyframe;
    // each NAL unit sent as it comes (STAP-A only for SPS/PPS), as the
    // webrtcbin path does.
    g_object_set(payloader.get(), "config-interval", -1, "pt", static_cast<guint>(kH264PayloadType), "mtu", kRtpMtu,
                 "ssrc", h264Ssrc_, nullptr);
    gst_util_set_object_arg(G_OBJECT(payloader.get()), "aggregate-mode", "zero-latency");
    sink = AddSink("composite-h264-sink", VideoCodec::H264);
    LinkOrThrow(payloader.get(), sink.get());
    // Started, last first, before the encode feeds them.
    for (GstElement* element : {sink.get(), payloader.get()}) gst_element_sync_state_with_parent(element);
    h264EncodedPad_ = composite_->RequestEncodedPad(VideoCodec::H264);
    GRef<GstPad> payloaderSink = StaticPad(payloader.get(), "sink");
    if (gst_pad_link(h264EncodedPad_.get(), payloaderSink.get()) != GST_PAD_LINK_OK)
      throw std::runtime_error("cannot link the composite's H.264 encode to its payloader");
  } catch (const std::exception& error) {
    GST_ERROR("fail h264 composite [room:%s error:%s]", name_.c_str(), error.what());
    if (h264EncodedPad_) composite_->ReleaseEncodedPad(VideoCodec::H264, h264EncodedPad_);
    h264EncodedPad_.Reset();
    for (GstElement* element : {payloader.get(), sink.get()}) {
      if (!element) continue;
      gst_element_set_locked_state(element, TRUE);
      gst_element_set_state(element, GST_STATE_NULL);
      gst_bin_remove(bin, element);
    }
    throw;
  }
  h264Payloader_ = std::move(payloader);
  h264Sink_ = std::move(sink);
  GST_INFO("enable h264 composite [room:%s ssrc:%u]", name_.c_str(), h264Ssrc_);
}

void RoomVideo::RequestKeyframe(VideoCodec codec) { composite_->RequestKeyframe(codec); }

void RoomVideo::TapCamera(const std::string& participant, EncodedFrameTap tap) {
  const bool wanted = static_cast<bool>(tap);
  if (wanted) {
    cameraTaps_[participant] = std::move(tap);
  } else {
    cameraTaps_.erase(participant);
  }
  if (Participant* found = Find(participant); found && found->camera) {
    found->camera->tap.reset();  // the old tap is not called after this
    AttachCameraTap(*found);
  }
  // What is kept starts at a keyframe (the depayloader passes nothing
  // before one when the camera starts; mid-stream the sender is asked).
  if (wanted) listener_.OnCameraKeyframeWanted(participant);
}

void RoomVideo::AttachCameraTap(Participant& participant) {
  const auto found = cameraTaps_.find(participant.id);
  if (found == cameraTaps_.end() || !participant.camera || participant.camera->tap) return;
  GRef<GstPad> depaySrc = StaticPad(participant.camera->depay.get(), "src");
  participant.camera->tap = std::make_unique<PadTap>(depaySrc.get(), found->second);
}

void RoomVideo::TapComposite(EncodedFrameTap tap) {
  compositeTap_.reset();
  if (!tap) return;
  GRef<GstPad> encoded = composite_->Vp8EncodedPad();
  compositeTap_ = std::make_unique<PadTap>(encoded.get(), std::move(tap));
  composite_->RequestKeyframe(VideoCodec::VP8);
}

void RoomVideo::TapRaw(EncodedFrameTap tap) {
  rawTap_.reset();
  if (!tap) return;
  GRef<GstPad> raw = composite_->RawPad();
  rawTap_ = std::make_unique<PadTap>(raw.get(), std::move(tap));
}

void RoomVideo::Relayout() {
  const std::vector<Rect> tiles = ComputeGrid(static_cast<int>(participants_.size()), Width(), Height());
  for (size_t i = 0; i < participants_.size(); ++i) {
    Participant& participant = *participants_[i];
    const bool moved = !(participant.tile == tiles[i]);
    participant.tile = tiles[i];
    if (participant.nameTile) ShowName(participant);  // moved, or built again at the new size
    if (moved && participant.camera) {
      VideoComposite::PlaceTile(participant.camera->tilePad.get(), participant.tile);
      ResizeTile(participant);
    }
  }
}

void RoomVideo::ResizeTile(Participant& participant) {
  // Changing the capsfilter while a frame is between videoscale and it
  // fails that frame as not-negotiated (and stops the camera's stream); so
  // hold the stream before videoscale, change the caps while nothing is in
  // flight, and let go. Until then the compositor scales the old size.
  Camera& camera = *participant.camera;
  if (camera.resizeProbe) return;  // one is pending; it applies the latest tile
  GRef<GstPad> scaleSink = StaticPad(camera.scale.get(), "sink");
  camera.resizeProbe = gst_pad_add_probe(
      scaleSink.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        static_cast<CameraRoute*>(data)->Post(
            [](RoomVideo& video, Participant& participant) { video.FinishTileResize(participant); });
        return GST_PAD_PROBE_OK;  // stays blocked until the probe is removed
      },
      new CameraRoute{camera.alive, this, &participant}, CameraRoute::Delete);
}

void RoomVideo::FinishTileResize(Participant& participant) {
  Camera& camera = *participant.camera;
  if (!camera.resizeProbe) return;
  GRef<GstCaps> caps = TileCaps(participant.tile);
  g_object_set(camera.tileCaps.get(), "caps", caps.get(), nullptr);
  GRef<GstPad> scaleSink = StaticPad(camera.scale.get(), "sink");
  gst_pad_remove_probe(scaleSink.get(), camera.resizeProbe);
  camera.resizeProbe = 0;
  GST_DEBUG("resize camera [room:%s id:%s tile:%dx%d]", name_.c_str(), participant.id.c_str(), participant.tile.width,
            participant.tile.height);
}

GstFlowReturn RoomVideo::OnNewSample(GstElement* sink, RoomVideo* video, VideoCodec codec) {
  // The compositor's streaming thread (the VP8 encoder and payloader run
  // on it), or the H.264 encode's: hand the packet over, a reference and
  // no copy, and return.
  GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
  GstBuffer* buffer = sample ? gst_sample_get_buffer(sample.get()) : nullptr;
  if (!buffer) return GST_FLOW_OK;
  video->worker_.Post([alive = std::weak_ptr<int>(video->alive_), video, codec, packet = GRef<GstBuffer>::Ref(buffer)] {
    if (!alive.lock()) return;
    if (codec == VideoCodec::H264) {
      ++video->counters_.h264CompositePackets;
      video->listener_.OnH264CompositePacket(packet.get());
    } else {
      ++video->counters_.compositePackets;
      video->listener_.OnCompositePacket(packet.get());
    }
  });
  return GST_FLOW_OK;
}

std::string RoomVideo::CameraOf(GstObject* source) const {
  for (GRef<GstObject> object = GRef<GstObject>::Ref(source); object;
       object = GRef<GstObject>::Adopt(gst_object_get_parent(object.get()))) {
    GCharPtr name(gst_object_get_name(object.get()));
    const std::string text = name ? name.get() : "";
    if (text.rfind(kCameraBinPrefix, 0) == 0 && GST_IS_BIN(object.get()))
      return text.substr(std::char_traits<char>::length(kCameraBinPrefix));
  }
  return {};
}

void RoomVideo::OnBusMessage(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError* rawError = nullptr;
      gchar* rawDebug = nullptr;
      gst_message_parse_error(message, &rawError, &rawDebug);
      GErrorPtr error(rawError);
      GCharPtr debug(rawDebug);
      GST_ERROR("media error [room:%s source:%s error:%s debug:%s]", name_.c_str(), GST_MESSAGE_SRC_NAME(message),
                error->message, debug ? debug.get() : "");
      GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
                                        ("error-room-video-" + name_).c_str());
      // A camera that failed leaves the composite (its participant's name
      // shows again); the room's own elements failing leaves the picture
      // frozen, which the log says.
      const std::string participant = CameraOf(GST_MESSAGE_SRC(message));
      if (!participant.empty() && HasCamera(participant)) {
        RemoveCamera(participant);
        listener_.OnCameraFailed(participant, error->message);
      }
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* rawError = nullptr;
      gst_message_parse_warning(message, &rawError, nullptr);
      GErrorPtr error(rawError);
      GST_WARNING("media warning [room:%s source:%s warning:%s]", name_.c_str(), GST_MESSAGE_SRC_NAME(message),
                  error->message);
      break;
    }
    case GST_MESSAGE_LATENCY:
      // A new camera brought a jitter buffer: redistribute latency.
      gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
      break;
    default: break;
  }
}

}  // namespace plenum::mixer
