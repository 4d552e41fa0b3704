#include "mixer/ParticipantEndpoint.hpp"

#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include <algorithm>
#include <stdexcept>

#include "common/IceRestriction.hpp"
#include "mixer/AnswerCodecs.hpp"
#include "mixer/Elements.hpp"
#include "mixer/Log.hpp"
#include "mixer/RoomAudio.hpp"
#include "mixer/VideoComposite.hpp"
#include "mixer/WebrtcQuiesce.hpp"

namespace plenum::mixer {
namespace {

constexpr int kDefaultTileWidth = 320;
constexpr int kDefaultTileHeight = 180;
constexpr int kNameTileFramerate = 5;  // a still picture: few frames are enough
constexpr guint kRtpMtu = 1200;        // leaves room for SRTP and TURN overhead
// Our outgoing streams start within a frame (20 ms of audio, 33 ms of
// video) of being linked; this bound only matters if something is broken.
constexpr guint kOutgoingStartTimeoutMs = 5'000;

// What a webrtcbin callback needs to reach its endpoint: the endpoint
// pointer is only followed inside closures the poster runs on the control
// thread after checking the endpoint still exists.
struct Route {
  ControlPoster poster;
  ParticipantEndpoint* endpoint;
};

void DeleteRoute(gpointer data, GClosure*) { delete static_cast<Route*>(data); }

// webrtcbin 1.22 answers an offer's H.264 format only if it matches the caps
// our payloader sends, and those name our encoder's SPS/PPS in
// sprop-parameter-sets, which never equal the ones in the client's offer:
// the section would become receive-only. Receivers need no out-of-band
// parameter sets (config-interval=-1 sends them before every keyframe), so
// leave them out of the caps.
void DropParameterSetsFromCaps(GstElement* payloader) {
  GRef<GstPad> src = GRef<GstPad>::Adopt(gst_element_get_static_pad(payloader, "src"));
  gst_pad_add_probe(
      src.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer) -> GstPadProbeReturn {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        GRef<GstCaps> trimmed = GRef<GstCaps>::Adopt(gst_caps_copy(caps));
        for (guint i = 0; i < gst_caps_get_size(trimmed.get()); ++i) {
          gst_structure_remove_field(gst_caps_get_structure(trimmed.get(), i), "sprop-parameter-sets");
        }
        gst_event_unref(event);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(trimmed.get());
        return GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
}

std::vector<GstElement*> RawPointers(const std::vector<GRef<GstElement>>& elements) {
  std::vector<GstElement*> raw;
  for (const auto& element : elements) raw.push_back(element.get());
  return raw;
}

// Brings a chain of new elements, given in the order data flows through
// them, to the pipeline's state, the last first. A source started before
// the element after it would push into an inactive pad, get FLUSHING back
// and pause its task for good: a stream that never starts (this is how a
// participant once in a few hundred joins never heard the room).
void StartChain(const std::vector<GstElement*>& chain) {
  for (auto element = chain.rbegin(); element != chain.rend(); ++element) gst_element_sync_state_with_parent(*element);
}

void LinkChain(const std::vector<GstElement*>& chain) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!gst_element_link(chain[i], chain[i + 1])) {
      throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(chain[i]) + " to " +
                               GST_ELEMENT_NAME(chain[i + 1]));
    }
  }
}

GRef<GstCaps> TileCaps(int width, int height, int framerate) {
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(
      gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, width, "height",
                          G_TYPE_INT, height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr));
  if (framerate > 0) gst_caps_set_simple(caps.get(), "framerate", GST_TYPE_FRACTION, framerate, 1, nullptr);
  return caps;
}

GRef<GstCaps> CodecPreferences(const OfferedMedia& media) {
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(gst_caps_new_empty());
  const char* kind = media.kind == MediaKind::Audio ? "audio" : "video";
  for (const OfferedCodec& codec : media.receivable) {
    gst_caps_append_structure(
        caps.get(), gst_structure_new("application/x-rtp", "media", G_TYPE_STRING, kind, "encoding-name", G_TYPE_STRING,
                                      codec.encodingName.c_str(), "clock-rate", G_TYPE_INT, codec.clockRate, "payload",
                                      G_TYPE_INT, codec.payloadType, nullptr));
  }
  return caps;
}

std::string PromiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "negotiation was interrupted";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply || !gst_structure_has_field(reply, "error")) return {};
  GError* raw = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &raw, nullptr);
  GErrorPtr error(raw);
  return error ? error->message : "unknown webrtcbin error";
}

}  // namespace

ParticipantEndpoint::ParticipantEndpoint(GstBin* pipeline, RoomAudio& audio, VideoComposite& video,
                                         const MediaOptions& options, GMainContext* control, Listener& listener,
                                         std::string id, std::string name)
    : pipeline_(pipeline),
      audio_(audio),
      video_(video),
      options_(options),
      listener_(listener),
      id_(std::move(id)),
      name_(std::move(name)),
      poster_(control, alive_) {
  bin_ = GRef<GstElement>::Sink(gst_bin_new(("participant-" + id_).c_str()));
  webrtc_ = Add("webrtcbin", "webrtc");
  ConfigureIce();
  ConnectSignals();
  // In the pipeline before anything links to the shared elements: pads
  // link only between elements of the same parent.
  gst_bin_add(pipeline_, bin_.get());
  BuildNameTile();
  audio_.AddParticipant(id_);
  gst_element_sync_state_with_parent(bin_.get());
  GST_INFO("add participant [id:%s]", id_.c_str());
}

ParticipantEndpoint::~ParticipantEndpoint() {
  GST_INFO("remove participant [id:%s]", id_.c_str());
  alive_.reset();  // callbacks queued for us from now on are dropped
  audioPadTap_.reset();
  videoPadTap_.reset();
  for (auto* counter : {&audioInCounter_, &videoInCounter_, &audioOutCounter_, &videoOutCounter_}) counter->reset();
  if (outgoingDeadline_) g_source_destroy(outgoingDeadline_.get());
  audio_.RemoveParticipant(id_);

  // Detach from the shared encoder first: the tee may be pushing into our
  // branch, and an unlinked tee pad is simply skipped (allow-not-linked).
  if (encodedPad_) {
    GRef<GstPad> peer = GRef<GstPad>::Adopt(gst_pad_get_peer(encodedPad_.get()));
    if (peer) gst_pad_unlink(encodedPad_.get(), peer.get());
    video_.ReleaseEncodedPad(videoCodec_, encodedPad_);
  }
  // Flush our compositor pads so no thread of ours stays blocked inside
  // the compositor; stopping the bin then joins every streaming thread in
  // it, and the pads can go.
  for (GRef<GstPad>* tile : {&nameTilePad_, &videoTilePad_}) {
    if (*tile) gst_pad_set_active(tile->get(), FALSE);
  }
  DetachIceStateHandlers(webrtc_.get());
  gst_element_set_locked_state(bin_.get(), TRUE);
  gst_element_set_state(bin_.get(), GST_STATE_NULL);
  // webrtcbin's thread has stopped now; a transport it made on its way
  // down may still be up or blocked (see StopStragglers), with handlers of
  // its own.
  DetachIceStateHandlers(webrtc_.get());
  if (const guint stragglers = StopStragglers(bin_.get(), webrtc_.get()))
    GST_INFO("stopped elements left running [id:%s count:%u]", id_.c_str(), stragglers);
  // Released, which unlinks them, rather than unlinked first (see
  // RemoveNameTile).
  for (GRef<GstPad>* tile : {&nameTilePad_, &videoTilePad_}) {
    if (*tile) video_.ReleaseTilePad(*tile);
  }
  g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                       reinterpret_cast<gpointer>(OnPadAdded), nullptr);
  g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                       reinterpret_cast<gpointer>(OnIceCandidate), nullptr);
  g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                       reinterpret_cast<gpointer>(OnGatheringState), nullptr);
  g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                       reinterpret_cast<gpointer>(OnConnectionState), nullptr);
  g_signal_handlers_disconnect_matched(webrtc_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                       reinterpret_cast<gpointer>(OnIceConnectionState), nullptr);
  gst_bin_remove(pipeline_, bin_.get());
}

GRef<GstElement> ParticipantEndpoint::Add(const char* factory, const std::string& role) {
  GRef<GstElement> element = MakeElement(factory, role + "-" + id_);
  if (!element) throw std::runtime_error(std::string("missing GStreamer element ") + factory);
  gst_bin_add(GST_BIN(bin_.get()), element.get());
  return element;
}

GRef<GstPad> ParticipantEndpoint::Ghost(GstElement* element, const char* padName, const std::string& ghostName) {
  GRef<GstPad> target = GRef<GstPad>::Adopt(gst_element_get_static_pad(element, padName));
  GRef<GstPad> ghost = GRef<GstPad>::Ref(gst_ghost_pad_new(ghostName.c_str(), target.get()));
  gst_pad_set_active(ghost.get(), TRUE);
  gst_element_add_pad(bin_.get(), ghost.get());
  return ghost;
}

void ParticipantEndpoint::ConfigureIce() {
  g_object_set(webrtc_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", options_.jitterLatencyMs,
               nullptr);
  const IceOptions& ice = options_.ice;
  if (!ice.stunServer.empty()) g_object_set(webrtc_.get(), "stun-server", ice.stunServer.c_str(), nullptr);
  for (const std::string& turn : ice.turnServers) {
    gboolean added = FALSE;
    g_signal_emit_by_name(webrtc_.get(), "add-turn-server", turn.c_str(), &added);
    if (!added) GST_WARNING("refuse turn server [url:%s]", turn.c_str());
  }

  GObject* rawIce = nullptr;
  g_object_get(webrtc_.get(), "ice-agent", &rawIce, nullptr);
  GRef<GObject> iceAgent = GRef<GObject>::Adopt(rawIce);
  if (!iceAgent) return;
  if (ice.portMin > 0 && ice.portMax >= ice.portMin) {
    g_object_set(iceAgent.get(), "min-rtp-port", ice.portMin, "max-rtp-port", ice.portMax, nullptr);
  }
  // No UPnP, ever (a server must not ask the network's router to open
  // ports), and only the addresses the administrator chose, if any.
  try {
    for (const std::string& refused : common::RestrictIce(webrtc_.get(), {ice.localAddresses, false}))
      GST_WARNING("ignore ice address [address:%s]", refused.c_str());
  } catch (const std::runtime_error& error) {
    GST_WARNING("cannot restrict ice [id:%s error:%s]", id_.c_str(), error.what());
  }
}

void ParticipantEndpoint::ConnectSignals() {
  g_signal_connect_data(webrtc_.get(), "pad-added", G_CALLBACK(OnPadAdded), new Route{poster_, this}, DeleteRoute,
                        GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "on-ice-candidate", G_CALLBACK(OnIceCandidate), new Route{poster_, this},
                        DeleteRoute, GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "notify::ice-gathering-state", G_CALLBACK(OnGatheringState),
                        new Route{poster_, this}, DeleteRoute, GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "notify::connection-state", G_CALLBACK(OnConnectionState),
                        new Route{poster_, this}, DeleteRoute, GConnectFlags(0));
  g_signal_connect_data(webrtc_.get(), "notify::ice-connection-state", G_CALLBACK(OnIceConnectionState),
                        new Route{poster_, this}, DeleteRoute, GConnectFlags(0));
}

void ParticipantEndpoint::BuildNameTile() {
  // A still picture at exactly the tile's size, so nothing is negotiated
  // or scaled while the room runs; a new layout rebuilds it (SetTile).
  const int width = tile_ ? tile_->width : kDefaultTileWidth;
  const int height = tile_ ? tile_->height : kDefaultTileHeight;
  GRef<GstElement> source = Add("videotestsrc", "name-source");
  g_object_set(source.get(), "pattern", 2 /* black */, "num-buffers", 1, nullptr);
  GRef<GstElement> sourceCaps = Add("capsfilter", "name-source-caps");
  GRef<GstCaps> caps = TileCaps(width, height, kNameTileFramerate);
  g_object_set(sourceCaps.get(), "caps", caps.get(), nullptr);
  GRef<GstElement> text = Add("textoverlay", "name-text");
  const std::string font = "Sans " + std::to_string(std::max(8, height / 12));
  g_object_set(text.get(), "text", name_.c_str(), "valignment", 4 /* center */, "halignment", 1 /* center */,
               "font-desc", font.c_str(), "shaded-background", FALSE, nullptr);
  GRef<GstElement> freeze = Add("imagefreeze", "name-freeze");
  g_object_set(freeze.get(), "is-live", TRUE, nullptr);
  GRef<GstElement> queue = Add("queue", "name-queue");
  VideoComposite::SetLatencyHeadroom(queue.get());
  nameTileElements_ = {source, sourceCaps, text, freeze, queue};
  LinkChain({source.get(), sourceCaps.get(), text.get(), freeze.get(), queue.get()});

  GRef<GstPad> ghost = Ghost(queue.get(), "src", "name-tile");
  nameTilePad_ = video_.RequestTilePad("name-" + id_);
  if (gst_pad_link(ghost.get(), nameTilePad_.get()) != GST_PAD_LINK_OK) {
    throw std::runtime_error("cannot link the name tile of " + id_);
  }
  if (tile_) VideoComposite::PlaceTile(nameTilePad_.get(), *tile_);
  nameTileSize_ = {width, height};
}

void ParticipantEndpoint::RemoveNameTile() {
  if (!nameTilePad_) return;
  // Flushing the compositor pad first releases imagefreeze's thread if it
  // is waiting inside the compositor, so stopping it cannot hang.
  gst_pad_set_active(nameTilePad_.get(), FALSE);
  for (auto& element : nameTileElements_) {
    gst_element_set_locked_state(element.get(), TRUE);
    gst_element_set_state(element.get(), GST_STATE_NULL);
  }
  // Releasing the compositor pad unlinks it: no moment with a compositor
  // input that has no peer, which would fail the compositor's latency query.
  video_.ReleaseTilePad(nameTilePad_);
  GRef<GstPad> ghost = GRef<GstPad>::Adopt(gst_element_get_static_pad(bin_.get(), "name-tile"));
  nameTilePad_.Reset();
  gst_element_remove_pad(bin_.get(), ghost.get());
  for (auto& element : nameTileElements_) gst_bin_remove(GST_BIN(bin_.get()), element.get());
  nameTileElements_.clear();
}

void ParticipantEndpoint::SetTile(const Rect& tile) {
  tile_ = tile;
  if (nameTilePad_ && nameTileSize_ != std::make_pair(tile.width, tile.height)) {
    RemoveNameTile();
    BuildNameTile();
    StartChain(RawPointers(nameTileElements_));
  }
  if (nameTilePad_) VideoComposite::PlaceTile(nameTilePad_.get(), tile);
  if (videoTilePad_) VideoComposite::PlaceTile(videoTilePad_.get(), tile);
  if (videoTileCaps_) ResizeVideoTile();
}

GRef<GstCaps> ParticipantEndpoint::VideoTileCaps() const {
  // Camera frames are scaled to their tile before the compositor
  // (videoscale letterboxes to keep the aspect ratio), so the compositor
  // only copies.
  return TileCaps(tile_ ? tile_->width : kDefaultTileWidth, tile_ ? tile_->height : kDefaultTileHeight, 0);
}

void ParticipantEndpoint::ResizeVideoTile() {
  // Changing the capsfilter while a frame is between videoscale and it
  // fails that frame as not-negotiated; so hold the stream before
  // videoscale, change the caps while nothing is in flight, and let go.
  if (tileResizeProbe_) return;  // one is pending; it applies the latest tile
  GRef<GstPad> scaleSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(videoScale_.get(), "sink"));
  tileResizeProbe_ = gst_pad_add_probe(
      scaleSink.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        auto* route = static_cast<Route*>(data);
        ParticipantEndpoint* endpoint = route->endpoint;
        route->poster.Post([endpoint] { endpoint->FinishVideoTileResize(); });
        return GST_PAD_PROBE_OK;  // stays blocked until the probe is removed
      },
      new Route{poster_, this}, [](gpointer data) { delete static_cast<Route*>(data); });
}

void ParticipantEndpoint::FinishVideoTileResize() {
  if (!tileResizeProbe_) return;
  GRef<GstCaps> caps = VideoTileCaps();
  g_object_set(videoTileCaps_.get(), "caps", caps.get(), nullptr);
  GRef<GstPad> scaleSink = GRef<GstPad>::Adopt(gst_element_get_static_pad(videoScale_.get(), "sink"));
  gst_pad_remove_probe(scaleSink.get(), tileResizeProbe_);
  tileResizeProbe_ = 0;
}

GRef<GstPad> ParticipantEndpoint::RequestWebrtcSinkPad(GstCaps* codecs) {
  // Requesting with caps gives the transceiver its kind and codec
  // preferences, so webrtcbin pairs it with the offer's matching m-line
  // and answers sendrecv with the offer's payload types.
  GstPadTemplate* templ = gst_element_get_pad_template(webrtc_.get(), "sink_%u");
  GRef<GstPad> pad = GRef<GstPad>::Adopt(gst_element_request_pad(webrtc_.get(), templ, nullptr, codecs));
  if (!pad) throw std::runtime_error("webrtcbin refused a sink pad");
  return pad;
}

void ParticipantEndpoint::BuildOutgoing(const OfferSummary& summary) {
  std::vector<GstElement*> added;
  if (summary.audio) {
    GRef<GstElement> source = Add("appsrc", "audio-mix");
    GRef<GstCaps> mixCaps = RoomAudio::MixCaps();
    g_object_set(source.get(), "caps", mixCaps.get(), "format", GST_FORMAT_TIME, "is-live", TRUE, "max-buffers",
                 guint64{10}, nullptr);
    gst_util_set_object_arg(G_OBJECT(source.get()), "leaky-type", "downstream");
    GRef<GstElement> encoder = Add("opusenc", "audio-enc");
    g_object_set(encoder.get(), "bitrate", options_.audioBitrate, nullptr);
    gst_util_set_object_arg(G_OBJECT(encoder.get()), "frame-size", "20");
    gst_util_set_object_arg(G_OBJECT(encoder.get()), "audio-type", "voice");
    audioPayloader_ = Add("rtpopuspay", "audio-pay");
    g_object_set(audioPayloader_.get(), "pt", static_cast<guint>(summary.audio->sendPayloadType), "mtu", kRtpMtu,
                 nullptr);
    LinkChain({source.get(), encoder.get(), audioPayloader_.get()});
    GRef<GstCaps> codecs = CodecPreferences(*summary.audio);
    GRef<GstPad> sink = RequestWebrtcSinkPad(codecs.get());
    WatchOutgoingStart(sink.get());
    CountRtp(audioOutCounter_, sink.get(), MediaKind::Audio, false);
    GRef<GstPad> payloaderSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(audioPayloader_.get(), "src"));
    if (gst_pad_link(payloaderSrc.get(), sink.get()) != GST_PAD_LINK_OK) {
      throw std::runtime_error("cannot link audio to webrtcbin");
    }
    added.insert(added.end(), {source.get(), encoder.get(), audioPayloader_.get()});
    audio_.AttachOutput(id_, source.get());
  }
  if (summary.video) {
    GRef<GstElement> queue = Add("queue", "video-out-queue");
    // A receiver that stalls must not stall the room's encoder: drop its
    // oldest frames instead (its decoder then asks for a keyframe).
    g_object_set(queue.get(), "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time", guint64{500 * GST_MSECOND},
                 nullptr);
    gst_util_set_object_arg(G_OBJECT(queue.get()), "leaky", "downstream");
    videoCodec_ = summary.video->sendVideoCodec;
    if (videoCodec_ == VideoCodec::H264) {
      videoPayloader_ = Add("rtph264pay", "video-pay");
      // SPS/PPS with every keyframe, so a receiver can start at any of them.
      g_object_set(videoPayloader_.get(), "config-interval", -1, nullptr);
      gst_util_set_object_arg(G_OBJECT(videoPayloader_.get()), "aggregate-mode", "zero-latency");
      DropParameterSetsFromCaps(videoPayloader_.get());
    } else {
      videoPayloader_ = Add("rtpvp8pay", "video-pay");
      gst_util_set_object_arg(G_OBJECT(videoPayloader_.get()), "picture-id-mode", "15-bit");
    }
    g_object_set(videoPayloader_.get(), "pt", static_cast<guint>(summary.video->sendPayloadType), "mtu", kRtpMtu,
                 nullptr);
    LinkChain({queue.get(), videoPayloader_.get()});
    GRef<GstCaps> codecs = CodecPreferences(*summary.video);
    GRef<GstPad> sink = RequestWebrtcSinkPad(codecs.get());
    WatchOutgoingStart(sink.get());
    CountRtp(videoOutCounter_, sink.get(), MediaKind::Video, false);
    GRef<GstPad> payloaderSrc = GRef<GstPad>::Adopt(gst_element_get_static_pad(videoPayloader_.get(), "src"));
    if (gst_pad_link(payloaderSrc.get(), sink.get()) != GST_PAD_LINK_OK) {
      throw std::runtime_error("cannot link video to webrtcbin");
    }
    GRef<GstPad> ghost = Ghost(queue.get(), "sink", "composite");
    added.insert(added.end(), {queue.get(), videoPayloader_.get()});
    StartChain(added);
    added.clear();
    encodedPad_ = video_.RequestEncodedPad(videoCodec_);
    if (gst_pad_link(encodedPad_.get(), ghost.get()) != GST_PAD_LINK_OK) {
      throw std::runtime_error("cannot link the composite to " + id_);
    }
    // A new receiver needs a keyframe to start decoding.
    video_.RequestKeyframe(videoCodec_);
  }
  StartChain(added);
  outgoingBuilt_ = true;
}

void ParticipantEndpoint::UpdateSendPayloadTypes(const OfferSummary& summary) {
  if (audioPayloader_ && summary.audio) {
    g_object_set(audioPayloader_.get(), "pt", static_cast<guint>(summary.audio->sendPayloadType), nullptr);
  }
  if (videoPayloader_ && summary.video) {
    g_object_set(videoPayloader_.get(), "pt", static_cast<guint>(summary.video->sendPayloadType), nullptr);
  }
}

void ParticipantEndpoint::ApplyOffer(const OfferSummary& summary, const std::string& sdp) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &raw);
  SdpMessagePtr message(raw);
  if (!message) throw OfferError(OfferError::Kind::Malformed, "the offer cannot be parsed");

  const bool first = !outgoingBuilt_;
  if (!first && videoPayloader_ && summary.video && summary.video->sendVideoCodec != videoCodec_) {
    throw OfferError(OfferError::Kind::Unsupported,
                     "the video codec sent to a participant cannot change during its session (join again)");
  }
  if (first) {
    BuildOutgoing(summary);
  } else {
    UpdateSendPayloadTypes(summary);
  }
  mids_ = summary.mids;
  lastOffer_ = summary;
  GstSDPMessage* copy = nullptr;
  gst_sdp_message_copy(message.get(), &copy);
  lastOfferSdp_.reset(copy);
  pendingOffer_ = std::move(message);
  offerReceivedAt_ = g_get_monotonic_time();

  if (first && outgoingStarting_ > 0) {
    // webrtcbin answers from what its sink pads have seen: let our streams'
    // caps (payload type, SSRC) reach it before it reads the offer, so every
    // answer is made from the same state instead of racing the first frames.
    outgoingDeadline_ = GRef<GSource>::Adopt(g_timeout_source_new(kOutgoingStartTimeoutMs));
    g_source_set_callback(
        outgoingDeadline_.get(),
        +[](gpointer data) -> gboolean {
          auto* endpoint = static_cast<ParticipantEndpoint*>(data);
          GST_ERROR("answer before our streams started; they may not flow [id:%s waiting:%d]",
                    endpoint->id_.c_str(), endpoint->outgoingStarting_);
          endpoint->outgoingDeadline_.Reset();
          endpoint->SetRemoteOffer();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(outgoingDeadline_.get(), poster_.context());
  } else {
    SetRemoteOffer();
  }
}

void ParticipantEndpoint::WatchOutgoingStart(GstPad* webrtcSink) {
  // A stream has started at webrtcbin once its segment arrives: the caps
  // before it have then been taken by webrtcbin's own event handler.
  // Watched from before anything is linked, so no start goes unseen.
  ++outgoingStarting_;
  gst_pad_add_probe(
      webrtcSink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_SEGMENT) return GST_PAD_PROBE_OK;
        auto* route = static_cast<Route*>(data);
        ParticipantEndpoint* endpoint = route->endpoint;
        route->poster.Post([endpoint] { endpoint->OnOutgoingStarted(); });
        return GST_PAD_PROBE_REMOVE;
      },
      new Route{poster_, this}, [](gpointer data) { delete static_cast<Route*>(data); });
}

void ParticipantEndpoint::OnOutgoingStarted() {
  if (--outgoingStarting_ > 0 || !outgoingDeadline_) return;
  // The first offer was waiting for this.
  g_source_destroy(outgoingDeadline_.get());
  outgoingDeadline_.Reset();
  SetRemoteOffer();
}

void ParticipantEndpoint::SetRemoteOffer() {
  if (!pendingOffer_) return;
  SessionDescriptionPtr offer(gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, pendingOffer_.release()));
  GRef<GstPromise> promise = GRef<GstPromise>::Adopt(gst_promise_new_with_change_func(
      OnRemoteDescriptionSet, new Route{poster_, this}, [](gpointer data) { delete static_cast<Route*>(data); }));
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", offer.get(), promise.get());
  GST_INFO("apply offer [id:%s waited:%" G_GINT64_FORMAT "ms]", id_.c_str(),
           (g_get_monotonic_time() - offerReceivedAt_) / G_TIME_SPAN_MILLISECOND);
}

void ParticipantEndpoint::OnRemoteDescriptionSet(GstPromise* promise, gpointer data) {
  auto* route = static_cast<Route*>(data);
  std::string error = PromiseError(promise);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, error] {
    if (!error.empty()) {
      endpoint->listener_.OnNegotiationFailed(*endpoint, true, error);
      return;
    }
    endpoint->CreateAnswer();
  });
}

void ParticipantEndpoint::CreateAnswer() {
  GRef<GstPromise> promise = GRef<GstPromise>::Adopt(gst_promise_new_with_change_func(
      OnAnswerCreated, new Route{poster_, this}, [](gpointer data) { delete static_cast<Route*>(data); }));
  g_signal_emit_by_name(webrtc_.get(), "create-answer", nullptr, promise.get());
}

void ParticipantEndpoint::OnAnswerCreated(GstPromise* promise, gpointer data) {
  auto* route = static_cast<Route*>(data);
  std::string error = PromiseError(promise);
  GstWebRTCSessionDescription* raw = nullptr;
  if (error.empty()) {
    gst_structure_get(gst_promise_get_reply(promise), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &raw, nullptr);
    if (!raw) error = "webrtcbin produced no answer";
  }
  // std::function needs a copyable closure; the answer travels as a shared_ptr.
  auto answer = std::make_shared<SessionDescriptionPtr>(raw);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, error, answer] {
    if (!error.empty()) {
      endpoint->listener_.OnNegotiationFailed(*endpoint, false, error);
      return;
    }
    endpoint->SetLocalAnswer(std::move(*answer));
  });
}

void ParticipantEndpoint::SetLocalAnswer(SessionDescriptionPtr answer) {
  if (lastOfferSdp_) AddReceivableCodecs(answer->sdp, lastOfferSdp_.get(), lastOffer_);
  GCharPtr text(gst_sdp_message_as_text(answer->sdp));
  g_signal_emit_by_name(webrtc_.get(), "set-local-description", answer.get(), nullptr);
  GST_INFO("send answer [id:%s]", id_.c_str());
  listener_.OnLocalAnswer(*this, text.get());
}

void ParticipantEndpoint::AddRemoteCandidate(unsigned mlineIndex, const std::string& candidate) {
  g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", mlineIndex, candidate.c_str());
}

void ParticipantEndpoint::OnIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
  auto* route = static_cast<Route*>(data);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, mline, text = std::string(candidate)] {
    const std::string mid = mline < endpoint->mids_.size() ? endpoint->mids_[mline] : std::string();
    endpoint->listener_.OnLocalCandidate(*endpoint, mline, mid, text);
  });
}

void ParticipantEndpoint::OnConnectionState(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &state, nullptr);
  auto* route = static_cast<Route*>(data);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, name = PeerConnectionStateName(state)] { endpoint->ReportPeerConnectionState(name); });
}

void ParticipantEndpoint::ReportPeerConnectionState(const std::string& state) {
  if (state == peerState_) return;
  peerState_ = state;
  listener_.OnPeerConnectionState(*this, state);
  if (state != "connected") return;
  GST_INFO("connect participant [id:%s]", id_.c_str());
  // Frames sent while DTLS was still being set up were held or dropped;
  // a keyframe now lets the new receiver start decoding at once.
  if (encodedPad_) video_.RequestKeyframe(videoCodec_);
  // What reaches webrtcbin before this waits inside it for DTLS: the
  // first packet out is the first one after.
  for (auto* counter : {&audioOutCounter_, &videoOutCounter_}) {
    if (*counter) (*counter)->Arm();
  }
  // ICE may have said connected before its pair was nominated.
  if (!pairKnown_ && pairQueries_ < 2) QuerySelectedPair();
}

void ParticipantEndpoint::OnIceConnectionState(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "ice-connection-state", &state, nullptr);
  auto* route = static_cast<Route*>(data);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, name = IceConnectionStateName(state)] { endpoint->ReportIceState(name); });
}

void ParticipantEndpoint::ReportIceState(const std::string& state) {
  if (state == iceState_) return;
  iceState_ = state;
  GST_INFO("ice state [id:%s state:%s]", id_.c_str(), state.c_str());
  listener_.OnIceState(*this, state);
  if ((state == "connected" || state == "completed") && pairQueries_ == 0) QuerySelectedPair();
}

// Once per connection (twice at most): get-stats walks every pad of the
// webrtcbin, on its own thread.
void ParticipantEndpoint::QuerySelectedPair() {
  ++pairQueries_;
  GRef<GstPromise> promise = GRef<GstPromise>::Adopt(gst_promise_new_with_change_func(
      OnStatsReply, new Route{poster_, this}, [](gpointer data) { delete static_cast<Route*>(data); }));
  g_signal_emit_by_name(webrtc_.get(), "get-stats", nullptr, promise.get());
}

void ParticipantEndpoint::OnStatsReply(GstPromise* promise, gpointer data) {
  auto* route = static_cast<Route*>(data);
  std::optional<SelectedPair> pair;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED)
    pair = SelectedPairFromStats(gst_promise_get_reply(promise));
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, pair] {
    if (!pair || endpoint->pairKnown_) return;
    endpoint->pairKnown_ = true;
    GST_INFO("select pair [id:%s local:%s remote:%s protocol:%s]", endpoint->id_.c_str(), pair->localType.c_str(),
             pair->remoteType.c_str(), pair->protocol.c_str());
    endpoint->listener_.OnSelectedPair(*endpoint, *pair);
  });
}

void ParticipantEndpoint::CountRtp(std::unique_ptr<RtpCounter>& counter, GstPad* pad, MediaKind kind, bool incoming) {
  // The first packet is told once, from the streaming thread, so posting
  // (which allocates) happens once per stream.
  RtpCounter::FirstPacket onFirst = [poster = poster_, endpoint = this, kind, incoming] {
    poster.Post([endpoint, kind, incoming] { endpoint->listener_.OnFirstMedia(*endpoint, kind, incoming); });
  };
  counter = std::make_unique<RtpCounter>(pad, std::move(onFirst), incoming || peerState_ == "connected");
}

ParticipantEndpoint::Counts ParticipantEndpoint::ReadCounts() const {
  const auto read = [](const std::unique_ptr<RtpCounter>& counter) {
    return counter ? counter->Read() : RtpCounter::Totals{};
  };
  return Counts{read(audioInCounter_), read(videoInCounter_), read(audioOutCounter_), read(videoOutCounter_)};
}

void ParticipantEndpoint::OnGatheringState(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  auto* route = static_cast<Route*>(data);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint] {
    const std::string mid = endpoint->mids_.empty() ? std::string() : endpoint->mids_.front();
    endpoint->listener_.OnLocalCandidate(*endpoint, 0, mid, std::string());
  });
}

void ParticipantEndpoint::OnPadAdded(GstElement*, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  // Hold the stream at the pad until the control thread has linked it:
  // topology is never changed from this (streaming) thread.
  const gulong probe = gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, nullptr, nullptr, nullptr);
  auto* route = static_cast<Route*>(data);
  ParticipantEndpoint* endpoint = route->endpoint;
  route->poster.Post([endpoint, pad = GRef<GstPad>::Ref(pad), probe] { endpoint->LinkIncoming(pad, probe); });
}

void ParticipantEndpoint::LinkIncoming(const GRef<GstPad>& pad, gulong blockProbe) {
  GRef<GstCaps> caps = GRef<GstCaps>::Adopt(gst_pad_get_current_caps(pad.get()));
  if (!caps) caps = GRef<GstCaps>::Adopt(gst_pad_query_caps(pad.get(), nullptr));
  const GstStructure* s = caps && !gst_caps_is_empty(caps.get()) ? gst_caps_get_structure(caps.get(), 0) : nullptr;
  const std::string media = s && gst_structure_get_string(s, "media") ? gst_structure_get_string(s, "media") : "";
  const std::string encoding =
      s && gst_structure_get_string(s, "encoding-name") ? gst_structure_get_string(s, "encoding-name") : "";
  GST_INFO("link incoming [id:%s media:%s encoding:%s]", id_.c_str(), media.c_str(), encoding.c_str());
  try {
    if (media == "audio" && encoding == "OPUS" && audioIn_ == InputState::None) {
      CountRtp(audioInCounter_, pad.get(), MediaKind::Audio, true);
      BuildAudioInput(pad);
    } else if (media == "video" && (encoding == "VP8" || encoding == "H264") && videoIn_ == InputState::None) {
      CountRtp(videoInCounter_, pad.get(), MediaKind::Video, true);
      BuildVideoInput(pad, encoding);
    } else {
      // Nothing we can use (or a duplicate stream): drain it.
      GRef<GstElement> sink = Add("fakesink", "unused-" + std::to_string(GPOINTER_TO_UINT(pad.get()) & 0xffff));
      g_object_set(sink.get(), "async", FALSE, "sync", FALSE, nullptr);
      GRef<GstPad> sinkPad = GRef<GstPad>::Adopt(gst_element_get_static_pad(sink.get(), "sink"));
      gst_pad_link(pad.get(), sinkPad.get());
      gst_element_sync_state_with_parent(sink.get());
    }
  } catch (const std::exception& error) {
    GST_ERROR("fail incoming [id:%s error:%s]", id_.c_str(), error.what());
  }
  gst_pad_remove_probe(pad.get(), blockProbe);
}

void ParticipantEndpoint::BuildAudioInput(const GRef<GstPad>& pad) {
  audioIn_ = InputState::Linking;
  GRef<GstElement> depay = Add("rtpopusdepay", "audio-depay");
  GRef<GstElement> decoder = Add("opusdec", "audio-dec");
  g_object_set(decoder.get(), "plc", TRUE, "use-inband-fec", TRUE, nullptr);
  GRef<GstElement> convert = Add("audioconvert", "audio-convert");
  GRef<GstElement> resample = Add("audioresample", "audio-resample");
  GRef<GstElement> caps = Add("capsfilter", "audio-in-caps");
  GRef<GstCaps> mixCaps = RoomAudio::MixCaps();
  g_object_set(caps.get(), "caps", mixCaps.get(), nullptr);
  GRef<GstElement> sink = Add("appsink", "audio-in");
  // The mix is paced by the room's tick, not by this sink.
  g_object_set(sink.get(), "sync", FALSE, "async", FALSE, "max-buffers", 50u, "drop", TRUE, nullptr);
  LinkChain({depay.get(), decoder.get(), convert.get(), resample.get(), caps.get(), sink.get()});
  audio_.AttachInput(id_, sink.get());
  audioDepay_ = depay;
  AttachTaps();
  StartChain({depay.get(), decoder.get(), convert.get(), resample.get(), caps.get(), sink.get()});
  GRef<GstPad> depaySink = GRef<GstPad>::Adopt(gst_element_get_static_pad(depay.get(), "sink"));
  if (gst_pad_link(pad.get(), depaySink.get()) != GST_PAD_LINK_OK) throw std::runtime_error("cannot link audio in");
  audioIn_ = InputState::Active;
}

void ParticipantEndpoint::BuildVideoInput(const GRef<GstPad>& pad, const std::string& encoding) {
  videoIn_ = InputState::Linking;
  const bool vp8 = encoding == "VP8";
  GRef<GstElement> depay = Add(vp8 ? "rtpvp8depay" : "rtph264depay", "video-depay");
  // On loss, ask the sender for a keyframe rather than decode garbage.
  g_object_set(depay.get(), "request-keyframe", TRUE, "wait-for-keyframe", TRUE, nullptr);
  GRef<GstElement> decoder = Add(vp8 ? "vp8dec" : "avdec_h264", "video-dec");
  g_object_set(decoder.get(), "automatic-request-sync-points", TRUE, "discard-corrupted-frames", TRUE, nullptr);
  videoScale_ = Add("videoscale", "video-scale");
  GRef<GstElement> convert = Add("videoconvert", "video-convert");
  videoTileCaps_ = Add("capsfilter", "video-tile-caps");
  GRef<GstCaps> tileCaps = VideoTileCaps();
  g_object_set(videoTileCaps_.get(), "caps", tileCaps.get(), nullptr);
  GRef<GstElement> queue = Add("queue", "video-in-queue");
  // Only the newest frame matters to a live composite.
  g_object_set(queue.get(), "max-size-buffers", 2u, "max-size-bytes", 0u, "max-size-time", guint64{0}, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue.get()), "leaky", "downstream");
  const std::vector<GstElement*> chain{depay.get(),   decoder.get(),       videoScale_.get(),
                                       convert.get(), videoTileCaps_.get(), queue.get()};
  LinkChain(chain);

  // The chain is whole, from webrtcbin (still held by our pad probe) to
  // the queue, before the compositor sees it: the compositor asks its
  // inputs for their latency whenever one comes or goes, and a chain with
  // a loose end fails that query.
  GRef<GstPad> depaySink = GRef<GstPad>::Adopt(gst_element_get_static_pad(depay.get(), "sink"));
  if (gst_pad_link(pad.get(), depaySink.get()) != GST_PAD_LINK_OK) throw std::runtime_error("cannot link video in");
  StartChain(chain);
  GRef<GstPad> ghost = Ghost(queue.get(), "src", "video-tile");
  videoTilePad_ = video_.RequestTilePad("video-" + id_);
  if (tile_) VideoComposite::PlaceTile(videoTilePad_.get(), *tile_);
  if (gst_pad_link(ghost.get(), videoTilePad_.get()) != GST_PAD_LINK_OK) {
    throw std::runtime_error("cannot link the video tile of " + id_);
  }
  videoDepay_ = depay;
  AttachTaps();
  // Ask the sender for a keyframe now rather than wait for its next one.
  gst_pad_push_event(depaySink.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  RemoveNameTile();
  videoIn_ = InputState::Active;
}

void ParticipantEndpoint::SetTaps(EncodedFrameTap audio, EncodedFrameTap video) {
  audioTap_ = std::move(audio);
  videoTap_ = std::move(video);
  audioPadTap_.reset();
  videoPadTap_.reset();
  AttachTaps();
  if (videoTap_) RequestKeyframe();
}

void ParticipantEndpoint::RequestKeyframe() {
  if (!videoDepay_) return;
  GRef<GstPad> depaySink = GRef<GstPad>::Adopt(gst_element_get_static_pad(videoDepay_.get(), "sink"));
  gst_pad_push_event(depaySink.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void ParticipantEndpoint::AttachTaps() {
  const auto attach = [](std::unique_ptr<PadTap>& padTap, const EncodedFrameTap& tap, const GRef<GstElement>& depay) {
    if (padTap || !tap || !depay) return;
    GRef<GstPad> src = GRef<GstPad>::Adopt(gst_element_get_static_pad(depay.get(), "src"));
    padTap = std::make_unique<PadTap>(src.get(), tap);
  };
  attach(audioPadTap_, audioTap_, audioDepay_);
  attach(videoPadTap_, videoTap_, videoDepay_);
}

}  // namespace plenum::mixer
