#include "mixer/RoomMediaHost.hpp"

#include <gio/gio.h>

#include <stdexcept>

#include "mixer/GRef.hpp"
#include "mixer/IceCandidate.hpp"
#include "mixer/Log.hpp"
#include "transport/TransportDescription.hpp"

namespace plenum::mixer {
namespace {

// The first IPv4 (else any) address of `host`: an IP literal as it is, a
// name through the system's resolver. Throws std::invalid_argument.
std::string Resolve(const std::string& host) {
  if (g_hostname_is_ip_address(host.c_str())) return host;
  GRef<GResolver> resolver = GRef<GResolver>::Adopt(g_resolver_get_default());
  GError* rawError = nullptr;
  GList* addresses = g_resolver_lookup_by_name(resolver.get(), host.c_str(), nullptr, &rawError);
  GErrorPtr error(rawError);
  if (!addresses) throw std::invalid_argument("cannot resolve " + host + ": " + (error ? error->message : "no address"));
  std::string chosen;
  for (GList* item = addresses; item; item = item->next) {
    auto* address = G_INET_ADDRESS(item->data);
    if (chosen.empty() || g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4) {
      GCharPtr text(g_inet_address_to_string(address));
      chosen = text.get();
      if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4) break;
    }
  }
  g_resolver_free_addresses(addresses);
  return chosen;
}

struct ParsedServer {
  std::string scheme, host, user, password, transport;
  unsigned port = 3478;
};

// "stun://host:port", "turn://user:pass@host:port?transport=tcp", as the
// server's options take them (ServerConfig has checked the scheme).
ParsedServer ParseServer(const std::string& url) {
  using UriPtr = std::unique_ptr<GstUri, decltype(&gst_uri_unref)>;
  UriPtr uri(gst_uri_from_string(url.c_str()), &gst_uri_unref);
  if (!uri || !gst_uri_get_host(uri.get())) throw std::invalid_argument("not an ICE server URL: " + url);
  ParsedServer server;
  server.scheme = gst_uri_get_scheme(uri.get()) ? gst_uri_get_scheme(uri.get()) : "";
  server.host = gst_uri_get_host(uri.get());
  if (const guint port = gst_uri_get_port(uri.get()); port != GST_URI_NO_PORT) server.port = port;
  if (const gchar* userinfo = gst_uri_get_userinfo(uri.get())) {
    const std::string text = userinfo;
    const auto colon = text.find(':');
    server.user = text.substr(0, colon);
    if (colon != std::string::npos) server.password = text.substr(colon + 1);
  }
  if (const gchar* transport = gst_uri_get_query_value(uri.get(), "transport")) server.transport = transport;
  return server;
}

transport::IceSettings ToIceSettings(const IceOptions& options) {
  transport::IceSettings ice;
  if (!options.stunServer.empty()) {
    const ParsedServer stun = ParseServer(options.stunServer);
    ice.stunAddress = Resolve(stun.host);
    ice.stunPort = stun.port;
  }
  for (const std::string& url : options.turnServers) {
    const ParsedServer turn = ParseServer(url);
    if (turn.scheme == "turns") {
      // libnice relays over TLS, but our transport does not set that up
      // yet: clients are still given the server, the server itself gathers
      // without it (it seldom needs a relay of its own).
      GST_WARNING("skip turns server for the server's own candidates (clients still get it) [url:%s]",
                  (turn.scheme + "://" + turn.host + ":" + std::to_string(turn.port)).c_str());
      continue;
    }
    ice.turnServers.push_back(
        transport::TurnServer{Resolve(turn.host), turn.port, turn.user, turn.password, turn.transport == "tcp"});
  }
  ice.localAddresses = options.localAddresses;
  ice.portMin = options.portMin;
  ice.portMax = options.portMax;
  ice.tcp = options.tcp;
  return ice;
}

const char* IceStateName(transport::IceTransport::State state) {
  switch (state) {
    case transport::IceTransport::State::kChecking: return "checking";
    case transport::IceTransport::State::kConnected: return "connected";
    case transport::IceTransport::State::kCompleted: return "completed";
    case transport::IceTransport::State::kFailed: return "failed";
    default: return nullptr;  // new and gathering: webrtc says "new" for both, before checking
  }
}

// RTCDtlsTransportState's words.
const char* DtlsStateName(transport::DtlsTransport::State state) {
  switch (state) {
    case transport::DtlsTransport::State::kConnecting: return "connecting";
    case transport::DtlsTransport::State::kConnected: return "connected";
    case transport::DtlsTransport::State::kFailed: return "failed";
    case transport::DtlsTransport::State::kClosed: return "closed";
    default: return nullptr;
  }
}

const char* PeerConnectionStateName(transport::WebRtcTransport::State state) {
  switch (state) {
    case transport::WebRtcTransport::State::kConnecting: return "connecting";
    case transport::WebRtcTransport::State::kConnected: return "connected";
    case transport::WebRtcTransport::State::kFailed: return "failed";
    case transport::WebRtcTransport::State::kClosed: return "closed";
    default: return nullptr;
  }
}

}  // namespace

SharedMedia::SharedMedia(const MediaOptions& options)
    : workers_(options.mediaThreads),
      metrics_(workers_.Size()),
      certificate_(transport::DtlsCertificate::Generate()),
      ice_(ToIceSettings(options.ice)) {}

// RoomMedia's events, on the worker, posted to the control thread. Only
// what the post captures crosses threads; the host is touched on the
// control thread only, and only while it lives (ControlPoster).
class RoomMediaHost::Relay final : public RoomMedia::Listener {
 public:
  using Upward = RoomEngine::Listener;

  explicit Relay(const RoomMediaHost& host)
      : listener_(host.listener_), poster_(host.poster_), publicIp_(host.options_.ice.publicIp) {}

  void OnAnswer(const std::string& participant, const std::string& sdp) override {
    Post([participant, sdp](Upward& listener) { listener.OnAnswer(participant, sdp); });
  }
  void OnLocalCandidate(const std::string& participant, unsigned mlineIndex, const std::string& mid,
                        const std::string& candidate) override {
    // Behind a 1:1 NAT the host address is private; offer the public one too.
    std::optional<std::string> mapped = WithPublicAddress(candidate, publicIp_);
    Post([=](Upward& listener) {
      listener.OnCandidate(participant, mlineIndex, mid, candidate);
      if (mapped) listener.OnCandidate(participant, mlineIndex, mid, *mapped);
    });
  }
  void OnTransportState(const std::string& participant, transport::WebRtcTransport::State state,
                        const std::string& reason) override {
    const char* name = PeerConnectionStateName(state);
    if (!name) return;
    const std::string text = name;
    Post([participant, text, reason, failed = state == transport::WebRtcTransport::State::kFailed](Upward& listener) {
      listener.OnPeerConnectionState(participant, text);
      if (failed) GST_WARNING("fail transport [participant:%s reason:%s]", participant.c_str(), reason.c_str());
    });
  }
  void OnSpeakerChanged(const std::string& participant) override {
    Post([participant](Upward& listener) { listener.OnSpeakerChanged(participant); });
  }
  void OnIceState(const std::string& participant, transport::IceTransport::State state) override {
    const char* name = IceStateName(state);
    if (!name) return;
    Post([participant, text = std::string(name)](Upward& listener) { listener.OnIceState(participant, text); });
  }
  void OnDtlsState(const std::string& participant, transport::DtlsTransport::State state) override {
    const char* name = DtlsStateName(state);
    if (!name) return;
    Post([participant, text = std::string(name)](Upward& listener) { listener.OnDtlsState(participant, text); });
  }
  void OnSelectedPair(const std::string& participant, const transport::IceTransport::SelectedPair& pair) override {
    SelectedPair selected{pair.localType, pair.remoteType, pair.protocol, ""};
    Post([participant, selected](Upward& listener) { listener.OnSelectedPair(participant, selected); });
  }
  void OnFirstMedia(const std::string& participant, MediaKind kind, bool incoming) override {
    Post([=](Upward& listener) { listener.OnFirstMedia(participant, kind, incoming); });
  }
  void OnVideoFailed(const std::string& reason) override {
    Post([reason](Upward& listener) { listener.OnRoomMediaError(reason); });
  }
  // An offer the worker could not answer.
  void NegotiationFailed(const std::string& participant, bool badOffer, const std::string& reason) {
    Post([=](Upward& listener) { listener.OnNegotiationFailed(participant, badOffer, reason); });
  }

 private:
  void Post(std::function<void(Upward&)> task) {
    poster_.Post([&listener = listener_, task = std::move(task)] { task(listener); });
  }

  Upward& listener_;  // used on the control thread only
  const ControlPoster poster_;
  const std::string publicIp_;
};

RoomMediaHost::RoomMediaHost(const std::string& roomId, const MediaOptions& options, SharedMedia& shared,
                             GMainContext* control, Listener& listener)
    : shared_(shared),
      listener_(listener),
      roomId_(roomId),
      options_(options),
      poster_(control, alive_),
      workerIndex_(shared.Workers().Place()),
      worker_(shared.Workers().At(workerIndex_)),
      baseTime_([] {
        GRef<GstClock> clock = GRef<GstClock>::Adopt(gst_system_clock_obtain());
        return gst_clock_get_time(clock.get());
      }()),
      relay_(std::make_unique<Relay>(*this)),
      media_(std::make_shared<std::unique_ptr<RoomMedia>>()) {
  RoomMedia::Options roomOptions;
  roomOptions.ice = shared.Ice();
  roomOptions.media = options;
  roomOptions.audio.maxSpeakers = static_cast<size_t>(options.speakers);
  roomOptions.audio.bitrate = options.audioBitrate;
  roomOptions.name = roomId;
  roomOptions.baseTime = baseTime_;
  roomOptions.metrics = &shared.Metrics();
  roomOptions.workerIndex = workerIndex_;
  std::string failure;
  worker_.Invoke([&] {
    try {
      *media_ = std::make_unique<RoomMedia>(*relay_, worker_, shared_.Certificate(), roomOptions);
    } catch (const std::exception& error) {
      failure = error.what();
    }
  });
  if (!*media_) {
    shared_.Workers().Release(workerIndex_);
    throw std::runtime_error("the room's media cannot start: " + failure);
  }
  GST_INFO("create room [room:%s worker:%zu]", roomId_.c_str(), workerIndex_);
}

RoomMediaHost::~RoomMediaHost() {
  alive_.reset();  // what the relay posted from now on is dropped
  worker_.Invoke([media = media_] { media->reset(); });
  shared_.Workers().AddLoad(workerIndex_, -static_cast<long>(traffic_.size()));
  shared_.Workers().Release(workerIndex_);
  GST_INFO("destroy room [room:%s]", roomId_.c_str());
}

void RoomMediaHost::Post(std::function<void(RoomMedia&)> task) {
  worker_.Post([media = media_, task = std::move(task)] {
    if (*media) task(**media);
  });
}

void RoomMediaHost::Invoke(const std::function<void(RoomMedia&)>& task) {
  worker_.Invoke([media = media_, &task] {
    if (*media) task(**media);
  });
}

void RoomMediaHost::AddParticipant(const std::string& participant, const std::string& name) {
  if (traffic_.count(participant)) throw std::logic_error("participant added twice: " + participant);
  auto traffic = std::make_shared<RoomMedia::Traffic>();
  traffic_.emplace(participant, traffic);
  shared_.Workers().AddLoad(workerIndex_, 1);
  Post([participant, name, traffic](RoomMedia& media) { media.AddParticipant(participant, name, traffic); });
}

void RoomMediaHost::RemoveParticipant(const std::string& participant) {
  if (!traffic_.erase(participant)) return;
  shared_.Workers().AddLoad(workerIndex_, -1);
  Invoke([&participant](RoomMedia& media) { media.RemoveParticipant(participant); });
}

void RoomMediaHost::ApplyOffer(const std::string& participant, const std::string& sdp) {
  if (!traffic_.count(participant)) throw std::logic_error("offer for unknown participant " + participant);
  // Everything that can be said of the offer without the worker, said
  // now: nothing has changed when it throws.
  InspectOffer(sdp);
  GstSDPMessage* parsed = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &parsed);
  SdpMessagePtr offer(parsed);
  if (!offer) throw OfferError(OfferError::Kind::Malformed, "the offer is not SDP");
  try {
    transport::AnswerRole(transport::ReadRemoteTransport(*offer).setup);
  } catch (const transport::TransportDescriptionError& error) {
    throw OfferError(OfferError::Kind::Malformed, error.what());
  }
  Post([participant, sdp, relay = relay_.get()](RoomMedia& media) {
    try {
      media.ApplyOffer(participant, sdp);
    } catch (const OfferError& error) {
      relay->NegotiationFailed(participant, error.kind() == OfferError::Kind::Malformed, error.what());
    } catch (const std::exception& error) {
      relay->NegotiationFailed(participant, false, error.what());
    }
  });
}

void RoomMediaHost::AddRemoteCandidate(const std::string& participant, unsigned, const std::string& candidate) {
  Post([participant, candidate](RoomMedia& media) {
    if (!media.AddRemoteCandidate(participant, candidate))
      GST_DEBUG("ignore candidate [participant:%s]", participant.c_str());
  });
}

void RoomMediaHost::TapRoom(EncodedFrameTap audio, EncodedFrameTap video) {
  Invoke([&](RoomMedia& media) {
    try {
      media.TapRoom(std::move(audio), std::move(video));
    } catch (const std::exception& error) {
      GST_ERROR("fail tap [room:%s error:%s]", roomId_.c_str(), error.what());
    }
  });
}

void RoomMediaHost::TapProgram(EncodedFrameTap audio, EncodedFrameTap video) {
  Invoke([&](RoomMedia& media) {
    try {
      media.TapProgram(std::move(audio), std::move(video));
    } catch (const std::exception& error) {
      GST_ERROR("fail tap [room:%s error:%s]", roomId_.c_str(), error.what());
    }
  });
}

void RoomMediaHost::TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) {
  Invoke([&](RoomMedia& media) { media.TapParticipant(participant, std::move(audio), std::move(video)); });
}

GstClockTime RoomMediaHost::RunningTime() const {
  GRef<GstClock> clock = GRef<GstClock>::Adopt(gst_system_clock_obtain());
  const GstClockTime now = gst_clock_get_time(clock.get());
  return now > baseTime_ ? now - baseTime_ : 0;
}

void RoomMediaHost::RequestParticipantKeyframe(const std::string& participant) {
  Post([participant](RoomMedia& media) { media.RequestCameraKeyframe(participant); });
}

std::optional<ParticipantCounts> RoomMediaHost::Counts(const std::string& participant) const {
  const auto found = traffic_.find(participant);
  if (found == traffic_.end()) return std::nullopt;
  const RoomMedia::Traffic& traffic = *found->second;
  const auto totals = [](const RoomMedia::Traffic::Stream& stream) {
    return ParticipantCounts::Totals{stream.packets.load(std::memory_order_relaxed),
                                     stream.bytes.load(std::memory_order_relaxed)};
  };
  return ParticipantCounts{totals(traffic.audioIn),
                           totals(traffic.videoIn),
                           totals(traffic.audioOut),
                           totals(traffic.videoOut),
                           traffic.lostIn.load(std::memory_order_relaxed),
                           traffic.lostOut.load(std::memory_order_relaxed)};
}

}  // namespace plenum::mixer
