#include "testclient/MediaClient.hpp"

#include "common/IceRestriction.hpp"
#include "testclient/TimeoutScale.hpp"

#include "testclient/GUniquePtr.hpp"
#include "testclient/GstRuntime.hpp"
#include "testclient/MediaBranches.hpp"
#include "testclient/SyncMarks.hpp"
#include "testclient/MediaTaps.hpp"
#include "testclient/SessionDescription.hpp"
#include "testclient/WebRtcStats.hpp"

#include <gst/rtp/rtp.h>

#include <sstream>
#include <stdexcept>

namespace plenum::test {

namespace {

std::string EnumNick(GType type, int value) {
  auto* enumClass = static_cast<GEnumClass*>(g_type_class_ref(type));
  const GEnumValue* entry = g_enum_get_value(enumClass, value);
  std::string nick = entry ? entry->value_nick : std::to_string(value);
  g_type_class_unref(enumClass);
  return nick;
}

// The "error" a webrtcbin promise was replied with, or "" if none.
std::string PromiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "promise was not replied";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply || !gst_structure_has_field(reply, "error")) return {};
  GError* rawError = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &rawError, nullptr);
  GUniquePtr<GError> error(rawError);
  return error ? error->message : "unknown error";
}

struct PromiseContext {
  CallbackGuard<MediaClient>::Token token;
  void (*handler)(MediaClient&, GstPromise*);
};

}  // namespace

const char* ToString(MediaClient::SdpType type) { return type == MediaClient::SdpType::kOffer ? "offer" : "answer"; }

MediaClient::MediaClient(MediaClientOptions options, Listener& listener)
    : listener_(listener), options_(std::move(options)) {
  EnsureGstReady();
  try {
    pipeline_ = RefSinkGRef(gst_pipeline_new(("client-" + options_.name).c_str()));
    webrtc_ = RefSinkGRef(gst_element_factory_make("webrtcbin", ("webrtc-" + options_.name).c_str()));
    if (!pipeline_ || !webrtc_) throw std::runtime_error("cannot create pipeline or webrtcbin");
    g_object_set(webrtc_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                 static_cast<guint>(options_.latency.count()), nullptr);
    gst_bin_add(GST_BIN(pipeline_.get()), webrtc_.get());
    // Host candidates on our one address, over UDP unless told otherwise,
    // and no UPnP.
    if (!common::RestrictIce(webrtc_.get(), {{options_.iceAddress}, !options_.iceTcp}).empty())
      throw std::runtime_error("NiceAgent refused local address '" + options_.iceAddress + "'");
    ApplyIceOptions();
    // Sender reports map RTP time to when media was captured, as browsers'
    // do, rather than to when it was sent (rtpbin's default), so that a
    // receiver lines this client's audio and video up as it would a
    // browser's.
    if (auto rtpbin = AdoptGRef(gst_bin_get_by_name(GST_BIN(webrtc_.get()), "rtpbin")))
      g_object_set(rtpbin.get(), "rtcp-sync-send-time", FALSE, nullptr);

    auto bus = AdoptGRef(gst_element_get_bus(pipeline_.get()));
    gst_bus_set_sync_handler(bus.get(), &MediaClient::BusSyncThunk, this, nullptr);

    auto connect = [&](const char* signal, GCallback callback) {
      signals_.push_back(std::make_unique<SignalHandler>(webrtc_.get(), signal, callback, this));
    };
    connect("pad-added", G_CALLBACK(&MediaClient::PadAddedThunk));
    connect("on-ice-candidate", G_CALLBACK(&MediaClient::IceCandidateThunk));
    connect("notify::connection-state", G_CALLBACK(&MediaClient::StateNotifyThunk));
    connect("notify::ice-connection-state", G_CALLBACK(&MediaClient::StateNotifyThunk));
    connect("notify::ice-gathering-state", G_CALLBACK(&MediaClient::StateNotifyThunk));

    BuildSendBranches();
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      throw std::runtime_error("pipeline refused PLAYING: " + GetStatus().error);
  } catch (...) {
    Teardown();
    throw;
  }
}

MediaClient::~MediaClient() { Teardown(); }

void MediaClient::ApplyIceOptions() {
  if (!options_.iceUdp) {
    // webrtcbin's "ice-agent" (GstWebRTCNice) passes these to its NiceAgent.
    GObject* rawIce = nullptr;
    g_object_get(webrtc_.get(), "ice-agent", &rawIce, nullptr);  // transfer full
    GRefPtr<GObject> ice = AdoptGRef(rawIce);
    if (!ice || !g_object_class_find_property(G_OBJECT_GET_CLASS(ice.get()), "ice-udp"))
      throw std::runtime_error("webrtcbin's ICE agent cannot turn UDP off");
    g_object_set(ice.get(), "ice-udp", FALSE, "ice-tcp", TRUE, nullptr);
  }
  if (!options_.stunServer.empty()) g_object_set(webrtc_.get(), "stun-server", options_.stunServer.c_str(), nullptr);
  for (const std::string& url : options_.turnServers) {
    gboolean added = FALSE;
    g_signal_emit_by_name(webrtc_.get(), "add-turn-server", url.c_str(), &added);
    if (!added) throw std::runtime_error("webrtcbin refused TURN server '" + url + "'");
  }
  if (options_.relayOnly)
    g_object_set(webrtc_.get(), "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY, nullptr);
}

void MediaClient::Teardown() {
  closing_ = true;
  // Queued promise callbacks become no-ops; one already running finishes first.
  promiseGuard_.Revoke();
  if (pipeline_) {
    // Stops the streaming threads and webrtcbin's own thread, so no signal
    // handler runs after this returns and the handlers can go.
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    auto bus = AdoptGRef(gst_element_get_bus(pipeline_.get()));
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  }
  signals_.clear();
  webrtc_.Reset();
  pipeline_.Reset();
}

void MediaClient::BuildSendBranches() {
  auto plug = [&](const std::string& description, const std::string& name) {
    GRefPtr<GstElement> bin = MakeBranchBin(description, name);
    gst_bin_add(GST_BIN(pipeline_.get()), bin.get());
    auto source = AdoptGRef(gst_element_get_static_pad(bin.get(), "src"));
    // Each requested sink pad creates a sendrecv transceiver, in order:
    // audio is m-line 0, video m-line 1.
    auto sink = AdoptGRef(gst_element_request_pad_simple(webrtc_.get(), "sink_%u"));
    if (!source || !sink || gst_pad_link(source.get(), sink.get()) != GST_PAD_LINK_OK)
      throw std::runtime_error("cannot link " + name + " to webrtcbin");
    return bin;
  };
  // The element of `bin` the sync marks are drawn on, if it has one.
  auto marked = [](const GRefPtr<GstElement>& bin, const char* name) {
    return bin ? AdoptGRef(gst_bin_get_by_name(GST_BIN(bin.get()), name)) : GRefPtr<GstElement>();
  };

  GRefPtr<GstElement> audio, video;
  if (options_.sendAudio) {
    audio = plug(AudioSendDescription(options_), "audio-send-" + options_.name);
    if (options_.sendAudioLevel) AddAudioLevelExtension(audio.get());
  } else
    AddReceiveOnlyTransceiver(true);
  if (options_.sendVideo)
    video = plug(VideoSendDescription(options_), "video-send-" + options_.name);
  else if (options_.receiveVideo)
    AddReceiveOnlyTransceiver(false);
  if (options_.syncMarks) AddSyncMarks(marked(audio, kAudioMarksName).get(), marked(video, kVideoMarksName).get());
  if (options_.nack) EnableNack();
}

// Before the offer: it then offers nack (and RTX, which the answer may
// leave out), and each receiving jitterbuffer asks for what it misses.
void MediaClient::EnableNack() {
  GArray* transceivers = nullptr;
  g_signal_emit_by_name(webrtc_.get(), "get-transceivers", &transceivers);
  if (!transceivers) throw std::runtime_error("webrtcbin has no transceivers to enable NACK on");
  for (guint i = 0; i < transceivers->len; ++i)
    g_object_set(g_array_index(transceivers, GstWebRTCRTPTransceiver*, i), "do-nack", TRUE, nullptr);
  g_array_unref(transceivers);
}

// The payloader writes the extension (id 1) into every packet and names it
// in its caps, from which webrtcbin's offer gets its a=extmap.
void MediaClient::AddAudioLevelExtension(GstElement* audioBin) {
  auto payloader = AdoptGRef(gst_bin_get_by_name(GST_BIN(audioBin), kAudioPayloaderName));
  auto extension = AdoptGRef(gst_rtp_header_extension_create_from_uri("urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
  if (!payloader || !extension) throw std::runtime_error("no RFC 6464 audio-level extension (rtphdrextclientaudiolevel)");
  gst_rtp_header_extension_set_id(extension.get(), 1);
  g_signal_emit_by_name(payloader.get(), "add-extension", extension.get());
  // webrtcbin offers what its sink pad's caps say, and the extension is in
  // them only once the payloader has negotiated: CreateOffer waits until
  // webrtcbin's pad holds such caps (its "caps" notify comes once it has
  // stored them, which a probe upstream would see too early).
  auto source = AdoptGRef(gst_element_get_static_pad(audioBin, "src"));
  auto sink = AdoptGRef(gst_pad_get_peer(source.get()));
  if (!sink) throw std::runtime_error("the audio branch is not linked to webrtcbin");
  auto onCaps = +[](GObject* pad, GParamSpec*, gpointer self) {
    auto caps = AdoptGRef(gst_pad_get_current_caps(GST_PAD(pad)));
    if (!caps || gst_caps_is_empty(caps.get()) || !gst_structure_has_field(gst_caps_get_structure(caps.get(), 0), "extmap-1"))
      return;
    auto& client = *static_cast<MediaClient*>(self);
    std::lock_guard lock(client.mutex_);
    client.audioLevelNegotiated_ = true;
    client.changed_.notify_all();
  };
  signals_.push_back(std::make_unique<SignalHandler>(sink.get(), "notify::caps", G_CALLBACK(onCaps), this));
  onCaps(G_OBJECT(sink.get()), nullptr, this);  // in case they are there already
}

// A client that does not send a kind still receives it (the room's mix or
// composite), so it offers that kind receive-only.
void MediaClient::AddReceiveOnlyTransceiver(bool audio) {
  auto caps = AdoptGRef(gst_caps_from_string(ReceiveOnlyCaps(audio).c_str()));
  GstWebRTCRTPTransceiver* rawTransceiver = nullptr;
  g_signal_emit_by_name(webrtc_.get(), "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps.get(),
                        &rawTransceiver);
  auto transceiver = AdoptGRef(rawTransceiver);
  if (!transceiver) throw std::runtime_error("webrtcbin refused a receive-only transceiver");
}

GstPromise* MediaClient::NewPromise(void (*handler)(MediaClient&, GstPromise*)) {
  return gst_promise_new_with_change_func(
      [](GstPromise* promise, gpointer data) {
        auto* context = static_cast<PromiseContext*>(data);
        context->token.Run([&](MediaClient& client) { context->handler(client, promise); });
      },
      new PromiseContext{promiseGuard_.MakeToken(), handler},
      [](gpointer data) { delete static_cast<PromiseContext*>(data); });
}

void MediaClient::CreateOffer() {
  if (options_.sendAudioLevel && options_.sendAudio) {
    // Bounded: without the extension the offer still goes, and a test that
    // needs levels sees it in the SDP.
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, Scaled(std::chrono::milliseconds(5000)), [&] { return audioLevelNegotiated_; });
  }
  auto promise = AdoptGRef(
      NewPromise([](MediaClient& client, GstPromise* p) { client.OnDescriptionCreated(p, SdpType::kOffer); }));
  g_signal_emit_by_name(webrtc_.get(), "create-offer", nullptr, promise.get());
}

void MediaClient::SetRemoteDescription(SdpType type, const std::string& sdp) {
  {
    std::lock_guard lock(mutex_);
    remoteSdp_ = sdp;
  }
  GUniquePtr<GstWebRTCSessionDescription> description;
  try {
    description =
        ParseSessionDescription(type == SdpType::kOffer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  } catch (const std::exception& e) {
    Fail(std::string("remote ") + ToString(type) + ": " + e.what());
    return;
  }
  auto promise = AdoptGRef(
      type == SdpType::kOffer
          ? NewPromise([](MediaClient& client, GstPromise* p) { client.OnRemoteDescriptionSet(p, SdpType::kOffer); })
          : NewPromise([](MediaClient& client, GstPromise* p) { client.OnRemoteDescriptionSet(p, SdpType::kAnswer); }));
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", description.get(), promise.get());
}

void MediaClient::AddRemoteCandidate(unsigned mlineIndex, const std::string& candidate) {
  // An empty candidate is the peer's end of candidates. webrtcbin needs
  // nothing for it: connectivity checks run on what has arrived.
  if (candidate.empty()) return;
  g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", mlineIndex, candidate.c_str());
  std::lock_guard lock(mutex_);
  status_.remoteCandidates++;
}

void MediaClient::OnDescriptionCreated(GstPromise* promise, SdpType type) {
  const std::string error = PromiseError(promise);
  if (!error.empty()) {
    Fail(std::string("create-") + ToString(type) + ": " + error);
    return;
  }
  GstWebRTCSessionDescription* rawDescription = nullptr;
  gst_structure_get(gst_promise_get_reply(promise), ToString(type), GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                    &rawDescription, nullptr);
  GUniquePtr<GstWebRTCSessionDescription> description(rawDescription);
  if (!description) {
    Fail(std::string("create-") + ToString(type) + " gave no description");
    return;
  }

  // An H.264 sender still receives the room's composite in VP8: its video
  // m-line offers VP8 too. webrtcbin cannot express that (it narrows the
  // m-line to what its sink pad carries), so the offer is amended here,
  // before it is applied, so webrtcbin and the peer see the same thing.
  if (type == SdpType::kOffer && options_.sendVideo && options_.videoCodec == VideoCodec::kH264 &&
      options_.receiveVp8) {
    for (guint i = 0; i < gst_sdp_message_medias_len(description->sdp); ++i) {
      if (std::string(gst_sdp_media_get_media(gst_sdp_message_get_media(description->sdp, i))) == "video")
        AddReceiveCodec(description->sdp, i, kVp8PayloadType, "VP8/90000");
    }
  }
  {
    std::lock_guard lock(mutex_);
    localSdp_ = SdpText(description->sdp);
    localMids_ = MediaIds(description->sdp);
  }
  // The peer hears of the description only once it is applied: an answer
  // to it may come back at once and needs it in place.
  auto setPromise = AdoptGRef(
      type == SdpType::kOffer
          ? NewPromise([](MediaClient& client, GstPromise* p) { client.OnLocalDescriptionSet(p, SdpType::kOffer); })
          : NewPromise([](MediaClient& client, GstPromise* p) { client.OnLocalDescriptionSet(p, SdpType::kAnswer); }));
  g_signal_emit_by_name(webrtc_.get(), "set-local-description", description.get(), setPromise.get());
}

// Runs on webrtcbin's thread as the last step of setting the description:
// candidates, gathered from here on, are reported after it.
void MediaClient::OnLocalDescriptionSet(GstPromise* promise, SdpType type) {
  const std::string error = PromiseError(promise);
  if (!error.empty()) {
    Fail(std::string("set-local-description (") + ToString(type) + "): " + error);
    return;
  }
  std::string sdp;
  {
    std::lock_guard lock(mutex_);
    sdp = localSdp_;
  }
  try {
    if (!closing_) listener_.OnLocalDescription(type, sdp);
  } catch (const std::exception& e) {
    Fail(std::string("sending the local ") + ToString(type) + ": " + e.what());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    status_.localDescriptionSent = true;
  }
  changed_.notify_all();
}

void MediaClient::OnRemoteDescriptionSet(GstPromise* promise, SdpType type) {
  const std::string error = PromiseError(promise);
  if (!error.empty()) {
    Fail(std::string("set-remote-description (") + ToString(type) + "): " + error);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    status_.remoteDescriptionSet = true;
  }
  changed_.notify_all();
  if (type == SdpType::kOffer) {
    auto answerPromise = AdoptGRef(
        NewPromise([](MediaClient& client, GstPromise* p) { client.OnDescriptionCreated(p, SdpType::kAnswer); }));
    g_signal_emit_by_name(webrtc_.get(), "create-answer", nullptr, answerPromise.get());
  }
}

void MediaClient::OnLocalCandidate(unsigned mlineIndex, const char* candidate) {
  std::string mid;
  {
    std::lock_guard lock(mutex_);
    if (mlineIndex < localMids_.size()) mid = localMids_[mlineIndex];
    status_.localCandidates++;
  }
  try {
    if (!closing_) listener_.OnLocalCandidate(mlineIndex, mid, candidate ? candidate : "");
  } catch (const std::exception& e) {
    Fail(std::string("sending a local candidate: ") + e.what());
  }
}

void MediaClient::OnStateNotify() {
  GstWebRTCPeerConnectionState connection;
  GstWebRTCICEConnectionState ice;
  GstWebRTCICEGatheringState gathering;
  g_object_get(webrtc_.get(), "connection-state", &connection, "ice-connection-state", &ice, "ice-gathering-state",
               &gathering, nullptr);

  bool sendEndOfCandidates = false;
  std::string mid;
  {
    std::lock_guard lock(mutex_);
    status_.connection = connection;
    status_.ice = ice;
    status_.gathering = gathering;
    if (gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && options_.signalEndOfCandidates &&
        !endOfCandidatesSent_) {
      endOfCandidatesSent_ = true;
      sendEndOfCandidates = true;
      mid = localMids_.empty() ? std::string() : localMids_.front();
    }
  }
  changed_.notify_all();

  // With max-bundle every m-line shares one transport: one end marker, on
  // m-line 0.
  if (sendEndOfCandidates && !closing_) {
    try {
      listener_.OnLocalCandidate(0, mid, "");
    } catch (const std::exception& e) {
      Fail(std::string("sending end of candidates: ") + e.what());
    }
  }
}

void MediaClient::OnPadAdded(GstPad* pad) {
  if (closing_ || GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;

  auto caps = AdoptGRef(gst_pad_get_current_caps(pad));
  if (!caps) caps = AdoptGRef(gst_pad_query_caps(pad, nullptr));
  const GstStructure* structure =
      caps && !gst_caps_is_empty(caps.get()) ? gst_caps_get_structure(caps.get(), 0) : nullptr;
  const char* encoding = structure ? gst_structure_get_string(structure, "encoding-name") : nullptr;

  ReceiveKind kind;
  const std::string description = ReceiveDescription(encoding ? encoding : "", &kind);
  std::size_t index;
  {
    std::lock_guard lock(mutex_);
    index = status_.receiving.size();
    status_.receiving.emplace_back(encoding ? encoding : "?");
  }
  const char* kindName = kind == ReceiveKind::kAudio ? "audio" : kind == ReceiveKind::kVideo ? "video" : "discard";

  // Built and linked right here, on the streaming thread that announced the
  // pad: webrtcbin pushes on it as soon as this handler returns, and an
  // unlinked pad would fail the stream.
  try {
    GRefPtr<GstElement> bin =
        MakeBranchBin(description, std::string(kindName) + "-receive-" + options_.name + "-" + std::to_string(index));
    gst_bin_add(GST_BIN(pipeline_.get()), bin.get());
    if (kind != ReceiveKind::kDiscard) {
      auto sink = AdoptGRef(gst_bin_get_by_name(GST_BIN(bin.get()), kReceiveSinkName));
      if (kind == ReceiveKind::kAudio)
        TapAudio(sink.get(), received_);
      else
        TapVideo(sink.get(), received_);
    }
    gst_element_sync_state_with_parent(bin.get());
    auto sinkPad = AdoptGRef(gst_element_get_static_pad(bin.get(), "sink"));
    if (gst_pad_link(pad, sinkPad.get()) != GST_PAD_LINK_OK)
      Fail(std::string("cannot link received ") + (encoding ? encoding : "stream"));
  } catch (const std::exception& e) {
    Fail(std::string("receive branch: ") + e.what());
  }
}

void MediaClient::OnBusMessage(GstMessage* message) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return;
  GError* rawError = nullptr;
  gchar* rawDebug = nullptr;
  gst_message_parse_error(message, &rawError, &rawDebug);
  GUniquePtr<GError> error(rawError);
  GUniquePtr<gchar> debug(rawDebug);
  Fail(std::string("pipeline error from ") + GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) + ": " +
       (error ? error->message : "?") + (debug ? std::string(" (") + debug.get() + ")" : std::string()));
}

void MediaClient::Fail(const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    if (status_.error.empty()) status_.error = what;
  }
  changed_.notify_all();
}

bool MediaClient::WaitStatus(const std::function<bool(const Status&)>& done, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, Scaled(timeout), [&] { return done(status_); });
}

bool MediaClient::WaitLocalDescription(std::chrono::milliseconds timeout) const {
  return WaitStatus([](const Status& s) { return s.localDescriptionSent || !s.error.empty(); }, timeout) &&
         GetStatus().localDescriptionSent;
}

bool MediaClient::WaitConnected(std::chrono::milliseconds timeout) const {
  WaitStatus(
      [](const Status& s) {
        return s.connection == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED ||
               s.connection == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED ||
               s.connection == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED || !s.error.empty();
      },
      timeout);
  return GetStatus().connection == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

MediaClient::Status MediaClient::GetStatus() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string MediaClient::RemoteSdp() const {
  std::lock_guard lock(mutex_);
  return remoteSdp_;
}

std::string MediaClient::LocalSdp() const {
  std::lock_guard lock(mutex_);
  return localSdp_;
}

std::string MediaClient::Describe(bool withStats) const {
  const Status status = GetStatus();
  const ReceivedMedia::Counters counters = received_.Snapshot();
  std::ostringstream out;
  out << options_.name << ": connection=" << EnumNick(GST_TYPE_WEBRTC_PEER_CONNECTION_STATE, status.connection)
      << " ice=" << EnumNick(GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, status.ice)
      << " gathering=" << EnumNick(GST_TYPE_WEBRTC_ICE_GATHERING_STATE, status.gathering)
      << " local-sdp=" << (status.localDescriptionSent ? "sent" : "none")
      << " remote-sdp=" << (status.remoteDescriptionSet ? "set" : "none")
      << " candidates(local=" << status.localCandidates << " remote=" << status.remoteCandidates << ")"
      << " receiving=[";
  for (std::size_t i = 0; i < status.receiving.size(); ++i) out << (i ? "," : "") << status.receiving[i];
  out << "] audio=" << counters.audioSamples << " samples video=" << counters.videoFrames << " frames";
  if (!status.error.empty()) out << " error=\"" << status.error << "\"";
  if (withStats && !closing_) out << " stats: " << QueryRtpStats(webrtc_.get(), std::chrono::seconds(1));
  return out.str();
}

void MediaClient::PadAddedThunk(GstElement*, GstPad* pad, gpointer self) {
  static_cast<MediaClient*>(self)->OnPadAdded(pad);
}

void MediaClient::IceCandidateThunk(GstElement*, guint mlineIndex, gchar* candidate, gpointer self) {
  static_cast<MediaClient*>(self)->OnLocalCandidate(mlineIndex, candidate);
}

void MediaClient::StateNotifyThunk(GObject*, GParamSpec*, gpointer self) {
  static_cast<MediaClient*>(self)->OnStateNotify();
}

GstBusSyncReply MediaClient::BusSyncThunk(GstBus*, GstMessage* message, gpointer self) {
  static_cast<MediaClient*>(self)->OnBusMessage(message);
  // Nobody pops this bus: keeping messages would only grow it. A sync
  // handler that drops a message owns it and must unref it.
  gst_message_unref(message);
  return GST_BUS_DROP;
}

}  // namespace plenum::test
