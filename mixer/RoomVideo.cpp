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
constexpr const char* kCameraBinPrefix = "camera-";

GRef<GstCaps> TileCaps(const Rect& tile) {
  // I420 at exactly the tile's size: videoscale letterboxes to keep the
  // camera's aspect ratio, and the compositor only copies.
  return GRef<GstCaps>::Adopt(gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                                  tile.width, "height", G_TYPE_INT, tile.height, "pixel-aspect-ratio",
                                                  GST_TYPE_FRACTION, 1, 1, nullptr));
}

void LinkChain(const std::vector<GstElement*>& chain) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) LinkOrThrow(chain[i], chain[i + 1]);
}

}  // namespace

struct RoomVideo::Camera {
  std::string id;
  uint64_t order = 0;
  // Tasks posted for this camera check it; dropped (on the worker) when
  // the camera goes.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  GRef<GstElement> bin;
  GRef<GstElement> source;  // appsrc
  GRef<GstElement> scale;
  GRef<GstElement> tileCaps;
  GRef<GstPad> tilePad;  // the compositor's
  Rect tile;
  gulong resizeProbe = 0;  // set while a tile resize waits for the stream to be held
};

// What a probe on a camera's pads needs to reach the camera: followed
// only on the worker, after checking the camera still exists.
struct RoomVideo::CameraRoute {
  std::weak_ptr<int> alive;
  RoomVideo* video;
  Camera* camera;

  static void Delete(gpointer data) { delete static_cast<CameraRoute*>(data); }
  // From any thread.
  template <typename Task>
  void Post(Task task) const {
    video->worker_.Post([alive = alive, video = video, camera = camera, task] {
      if (alive.lock()) task(*video, *camera);
    });
  }
};

RoomVideo::RoomVideo(Listener& listener, transport::MediaWorker& worker, const MediaOptions& options, uint32_t ssrc,
                     const std::string& name)
    : listener_(listener), worker_(worker), options_(options), ssrc_(ssrc), name_(name) {
  pipeline_ = GRef<GstElement>::Sink(gst_pipeline_new(("room-video-" + name_).c_str()));
  GstBin* bin = GST_BIN(pipeline_.get());
  composite_ = std::make_unique<VideoComposite>(bin, options_);

  // One payloader for every receiver: each gets the same packets, under
  // the payload type it negotiated (RoomMedia rewrites a copy).
  payloader_ = AddElement(bin, "rtpvp8pay", "composite-pay");
  gst_util_set_object_arg(G_OBJECT(payloader_.get()), "picture-id-mode", "15-bit");
  g_object_set(payloader_.get(), "pt", static_cast<guint>(kPayloadType), "mtu", kRtpMtu, "ssrc", ssrc_, nullptr);
  sink_ = AddElement(bin, "appsink", "composite-sink");
  // Packets leave as they are made: the composite is paced by its live
  // background already, and the sink must never hold up the encoder.
  g_object_set(sink_.get(), "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 64u, "drop",
               TRUE, nullptr);
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = +[](GstAppSink* sink, gpointer data) { return OnNewSample(GST_ELEMENT(sink), data); };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink_.get()), &callbacks, this, nullptr);
  LinkOrThrow(payloader_.get(), sink_.get());
  encodedPad_ = composite_->RequestEncodedPad(VideoCodec::VP8);
  GRef<GstPad> payloaderSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(payloader_.get(), "sink"));
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
  GST_INFO("create room-video [room:%s size:%dx%d ssrc:%u]", name_.c_str(), options_.videoWidth, options_.videoHeight,
           ssrc_);
}

RoomVideo::~RoomVideo() {
  alive_.reset();  // packets and events posted for us from now on are dropped
  keyframeTimer_.reset();
  g_source_destroy(busWatch_.get());
  // Joins every streaming thread: no callback or probe of ours runs after
  // this, and whatever they posted finds the tokens gone.
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  cameras_.clear();
  composite_.reset();
  GST_INFO("destroy room-video [room:%s]", name_.c_str());
}

int RoomVideo::Width() const { return composite_->width(); }
int RoomVideo::Height() const { return composite_->height(); }

std::vector<std::pair<std::string, Rect>> RoomVideo::Tiles() const {
  std::vector<std::pair<std::string, Rect>> tiles;
  for (const auto& camera : cameras_) tiles.emplace_back(camera->id, camera->tile);
  return tiles;
}

RoomVideo::Camera* RoomVideo::FindCamera(const std::string& participant) const {
  for (const auto& camera : cameras_) {
    if (camera->id == participant) return camera.get();
  }
  return nullptr;
}

void RoomVideo::AddCamera(const std::string& participant, int payloadType, uint64_t order) {
  if (FindCamera(participant)) return;
  auto camera = std::make_unique<Camera>();
  camera->id = participant;
  camera->order = order;
  const size_t index = static_cast<size_t>(
      std::find_if(cameras_.begin(), cameras_.end(), [&](const auto& other) { return other->order > order; }) -
      cameras_.begin());
  // Its tile in the layout with it, built at that size.
  camera->tile = ComputeGrid(static_cast<int>(cameras_.size()) + 1, Width(), Height())[index];
  try {
    BuildCamera(*camera, payloadType);
  } catch (const std::exception& error) {
    GST_ERROR("fail camera [room:%s id:%s error:%s]", name_.c_str(), participant.c_str(), error.what());
    TakeApart(*camera);
    throw;
  }
  cameras_.insert(cameras_.begin() + static_cast<std::ptrdiff_t>(index), std::move(camera));
  Relayout();
  GST_INFO("add camera [room:%s id:%s pt:%d cameras:%zu]", name_.c_str(), participant.c_str(), payloadType,
           cameras_.size());
}

void RoomVideo::BuildCamera(Camera& camera, int payloadType) {
  const std::string& id = camera.id;
  camera.bin = GRef<GstElement>::Sink(gst_bin_new((kCameraBinPrefix + id).c_str()));
  GstBin* bin = GST_BIN(camera.bin.get());

  camera.source = AddElement(bin, "appsrc", "camera-src-" + id);
  GRef<GstCaps> rtpCaps = GRef<GstCaps>::Adopt(
      gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING, "VP8",
                          "clock-rate", G_TYPE_INT, 90000, "payload", G_TYPE_INT, payloadType, nullptr));
  // Stamped with the running time they are taken in: their arrival, which
  // the jitter buffer measures jitter and schedules by.
  g_object_set(camera.source.get(), "caps", rtpCaps.get(), "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
               TRUE, "max-buffers", kCameraQueuePackets, "max-bytes", guint64{0}, "max-time", guint64{0}, nullptr);
  // The worker pushes and must never block on a stalled chain.
  gst_util_set_object_arg(G_OBJECT(camera.source.get()), "leaky-type", "downstream");
  GRef<GstElement> jitter = AddElement(bin, "rtpjitterbuffer", "camera-jitter-" + id);
  g_object_set(jitter.get(), "latency", options_.jitterLatencyMs, nullptr);
  GRef<GstElement> depay = AddElement(bin, "rtpvp8depay", "camera-depay-" + id);
  // On loss, ask the sender for a keyframe rather than decode garbage.
  g_object_set(depay.get(), "request-keyframe", TRUE, "wait-for-keyframe", TRUE, nullptr);
  GRef<GstElement> decoder = AddElement(bin, "vp8dec", "camera-dec-" + id);
  g_object_set(decoder.get(), "automatic-request-sync-points", TRUE, "discard-corrupted-frames", TRUE, nullptr);
  camera.scale = AddElement(bin, "videoscale", "camera-scale-" + id);
  GRef<GstElement> convert = AddElement(bin, "videoconvert", "camera-convert-" + id);
  camera.tileCaps = AddElement(bin, "capsfilter", "camera-tile-caps-" + id);
  GRef<GstCaps> tileCaps = TileCaps(camera.tile);
  g_object_set(camera.tileCaps.get(), "caps", tileCaps.get(), nullptr);
  GRef<GstElement> queue = AddElement(bin, "queue", "camera-queue-" + id);
  // Only the newest frame matters to a live composite.
  g_object_set(queue.get(), "max-size-buffers", 2u, "max-size-bytes", 0u, "max-size-time", guint64{0}, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue.get()), "leaky", "downstream");
  LinkChain({camera.source.get(), jitter.get(), depay.get(), decoder.get(), camera.scale.get(), convert.get(),
             camera.tileCaps.get(), queue.get()});
  GRef<GstPad> queueSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(queue.get(), "src"));
  GRef<GstPad> ghost = GRef<GstPad>::Sink(gst_ghost_pad_new("tile", queueSrc.get()));
  gst_element_add_pad(camera.bin.get(), ghost.get());

  // The depayloader's and decoder's keyframe requests travel upstream to
  // the appsrc, which cannot answer them: the sender must, by PLI.
  GRef<GstPad> sourceSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(camera.source.get(), "src"));
  gst_pad_add_probe(
      sourceSrc.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM || !gst_video_event_is_force_key_unit(event))
          return GST_PAD_PROBE_OK;
        static_cast<CameraRoute*>(data)->Post([](RoomVideo& video, Camera& camera) {
          ++video.counters_.cameraKeyframeRequests;
          video.listener_.OnCameraKeyframeWanted(camera.id);
        });
        return GST_PAD_PROBE_DROP;
      },
      new CameraRoute{camera.alive, this, &camera}, CameraRoute::Delete);

  // Whole and started before the compositor sees it (the compositor asks
  // its inputs for their latency whenever one comes or goes, and a chain
  // with a loose end fails that); nothing flows before the worker, which
  // is running this, pushes the first packet.
  gst_bin_add(GST_BIN(pipeline_.get()), camera.bin.get());
  if (!gst_element_sync_state_with_parent(camera.bin.get()))
    throw std::runtime_error("the camera of " + id + " cannot start");
  camera.tilePad = composite_->RequestTilePad(kCameraBinPrefix + id);
  VideoComposite::PlaceTile(camera.tilePad.get(), camera.tile);
  if (gst_pad_link(ghost.get(), camera.tilePad.get()) != GST_PAD_LINK_OK)
    throw std::runtime_error("cannot link the camera of " + id + " to the composite");
}

void RoomVideo::RemoveCamera(const std::string& participant) {
  const auto found =
      std::find_if(cameras_.begin(), cameras_.end(), [&](const auto& camera) { return camera->id == participant; });
  if (found == cameras_.end()) return;
  TakeApart(**found);
  cameras_.erase(found);
  Relayout();
  GST_INFO("remove camera [room:%s id:%s cameras:%zu]", name_.c_str(), participant.c_str(), cameras_.size());
}

void RoomVideo::TakeApart(Camera& camera) {
  camera.alive.reset();  // tasks posted for this camera are dropped
  if (camera.tilePad) {
    // Flushed first, so no thread of the camera stays blocked inside the
    // compositor; stopping the bin then joins its threads (a resize probe
    // holding the stream lets go when its pad deactivates).
    gst_pad_set_active(camera.tilePad.get(), FALSE);
  }
  if (camera.bin) {
    gst_element_set_locked_state(camera.bin.get(), TRUE);
    gst_element_set_state(camera.bin.get(), GST_STATE_NULL);
  }
  // Released, which unlinks it, rather than unlinked first: no moment with
  // a compositor input that has no peer.
  if (camera.tilePad) composite_->ReleaseTilePad(camera.tilePad);
  camera.tilePad.Reset();
  if (camera.bin && GST_OBJECT_PARENT(camera.bin.get()) == GST_OBJECT(pipeline_.get()))
    gst_bin_remove(GST_BIN(pipeline_.get()), camera.bin.get());
}

bool RoomVideo::PushCameraPacket(const std::string& participant, std::span<const uint8_t> packet) {
  Camera* camera = FindCamera(participant);
  if (!camera || packet.empty()) return false;
  // appsrc takes the buffer (and is thread-safe); the transport's bytes
  // are only valid during its callback, so they are copied.
  gst_app_src_push_buffer(GST_APP_SRC(camera->source.get()), gst_buffer_new_memdup(packet.data(), packet.size()));
  ++counters_.cameraPackets;
  return true;
}

void RoomVideo::RequestKeyframe() { composite_->RequestKeyframe(VideoCodec::VP8); }

void RoomVideo::Relayout() {
  const std::vector<Rect> tiles = ComputeGrid(static_cast<int>(cameras_.size()), Width(), Height());
  for (size_t i = 0; i < cameras_.size(); ++i) {
    Camera& camera = *cameras_[i];
    if (camera.tile == tiles[i]) continue;
    camera.tile = tiles[i];
    VideoComposite::PlaceTile(camera.tilePad.get(), camera.tile);
    ResizeTile(camera);
  }
}

void RoomVideo::ResizeTile(Camera& camera) {
  // Changing the capsfilter while a frame is between videoscale and it
  // fails that frame as not-negotiated (and stops the camera's stream); so
  // hold the stream before videoscale, change the caps while nothing is in
  // flight, and let go. Until then the compositor scales the old size.
  if (camera.resizeProbe) return;  // one is pending; it applies the latest tile
  GRef<GstPad> scaleSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(camera.scale.get(), "sink"));
  camera.resizeProbe = gst_pad_add_probe(
      scaleSink.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        static_cast<CameraRoute*>(data)->Post([](RoomVideo& video, Camera& camera) { video.FinishTileResize(camera); });
        return GST_PAD_PROBE_OK;  // stays blocked until the probe is removed
      },
      new CameraRoute{camera.alive, this, &camera}, CameraRoute::Delete);
}

void RoomVideo::FinishTileResize(Camera& camera) {
  if (!camera.resizeProbe) return;
  GRef<GstCaps> caps = TileCaps(camera.tile);
  g_object_set(camera.tileCaps.get(), "caps", caps.get(), nullptr);
  GRef<GstPad> scaleSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(camera.scale.get(), "sink"));
  gst_pad_remove_probe(scaleSink.get(), camera.resizeProbe);
  camera.resizeProbe = 0;
  GST_DEBUG("resize camera [room:%s id:%s tile:%dx%d]", name_.c_str(), camera.id.c_str(), camera.tile.width,
            camera.tile.height);
}

GstFlowReturn RoomVideo::OnNewSample(GstElement* sink, gpointer data) {
  // The compositor's streaming thread (the encoder and payloader run on
  // it): hand the packet over, a reference and no copy, and return.
  auto* video = static_cast<RoomVideo*>(data);
  GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
  GstBuffer* buffer = sample ? gst_sample_get_buffer(sample.get()) : nullptr;
  if (!buffer) return GST_FLOW_OK;
  video->worker_.Post([alive = std::weak_ptr<int>(video->alive_), video, packet = GRef<GstBuffer>::Ref(buffer)] {
    if (!alive.lock()) return;
    ++video->counters_.compositePackets;
    video->listener_.OnCompositePacket(packet.get());
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
      // A camera that failed leaves the composite; the room's own
      // elements failing leaves the picture frozen, which the log says.
      const std::string participant = CameraOf(GST_MESSAGE_SRC(message));
      if (!participant.empty() && FindCamera(participant)) {
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
