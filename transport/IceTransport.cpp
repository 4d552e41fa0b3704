#include "transport/IceTransport.hpp"

#include "transport/Log.hpp"

#include <memory>
#include <stdexcept>

namespace plenum::transport {
namespace {

constexpr guint kComponent = 1;  // rtcp-mux: RTP, RTCP and DTLS share component 1

using CharPtr = std::unique_ptr<gchar, decltype(&g_free)>;

const char* TypeName(NiceCandidateType type) {
  switch (type) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "unknown";
}

const char* ProtocolName(NiceCandidateTransport transport) {
  return transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp";
}

}  // namespace

IceTransport::IceTransport(Listener& listener, GMainContext* context, const IceSettings& settings)
    : listener_(listener), context_(context) {
  InitTransportLog();
  // Without libnice's consent freshness (RFC 7675): with it, one second of
  // 40 % loss (e2e-impairment's burst) failed a connection that was fine
  // before and after, where the RFC gives consent 30 s. A peer that has
  // gone is noticed by its WebSocket closing, as with webrtcbin, which
  // does not ask libnice for it either.
  agent_ = nice_agent_new_full(context_, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  // No UPnP: it would send SSDP on every interface and ask the router to
  // open ports. The client offers, so it is the controlling agent.
  g_object_set(agent_, "upnp", FALSE, "controlling-mode", FALSE, "ice-tcp", settings.tcp ? TRUE : FALSE,
               nullptr);
  if (!settings.stunAddress.empty())
    g_object_set(agent_, "stun-server", settings.stunAddress.c_str(), "stun-server-port", settings.stunPort,
                 nullptr);
  for (const std::string& address : settings.localAddresses) {
    NiceAddress niceAddress;
    nice_address_init(&niceAddress);
    if (!nice_address_set_from_string(&niceAddress, address.c_str()) ||
        !nice_agent_add_local_address(agent_, &niceAddress))
      GST_WARNING("refuse local-address [address:%s] (not an IP address of this machine)", address.c_str());
  }

  streamId_ = nice_agent_add_stream(agent_, 1);
  if (streamId_ == 0) {
    g_object_unref(agent_);
    throw std::runtime_error("libnice refused to add a stream");
  }
  if (settings.portMin != 0 || settings.portMax != 0)
    nice_agent_set_port_range(agent_, streamId_, kComponent, settings.portMin, settings.portMax);
  for (const TurnServer& turn : settings.turnServers) {
    if (!nice_agent_set_relay_info(agent_, streamId_, kComponent, turn.address.c_str(), turn.port,
                                   turn.username.c_str(), turn.password.c_str(),
                                   turn.tcp ? NICE_RELAY_TYPE_TURN_TCP : NICE_RELAY_TYPE_TURN_UDP))
      GST_WARNING("refuse turn-server [address:%s]", turn.address.c_str());
  }

  gchar* ufrag = nullptr;
  gchar* password = nullptr;
  nice_agent_get_local_credentials(agent_, streamId_, &ufrag, &password);
  CharPtr ufragOwner(ufrag, &g_free);
  CharPtr passwordOwner(password, &g_free);
  localUfrag_ = ufrag ? ufrag : "";
  localPassword_ = password ? password : "";

  signalIds_ = {
      g_signal_connect(agent_, "new-candidate-full", G_CALLBACK(OnCandidateThunk), this),
      g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(OnGatheringDoneThunk), this),
      g_signal_connect(agent_, "component-state-changed", G_CALLBACK(OnComponentStateThunk), this),
      g_signal_connect(agent_, "new-selected-pair-full", G_CALLBACK(OnSelectedPairThunk), this),
  };
  nice_agent_attach_recv(agent_, streamId_, kComponent, context_, OnReceiveThunk, this);
}

IceTransport::~IceTransport() {
  // Detach before the last unref, so that nothing libnice still has queued
  // on the context reaches a listener that is going away.
  nice_agent_attach_recv(agent_, streamId_, kComponent, context_, nullptr, nullptr);
  for (gulong id : signalIds_) g_signal_handler_disconnect(agent_, id);
  nice_agent_remove_stream(agent_, streamId_);
  g_object_unref(agent_);
}

bool IceTransport::SetRemoteCredentials(const std::string& ufrag, const std::string& password) {
  remoteCredentialsSet_ = nice_agent_set_remote_credentials(agent_, streamId_, ufrag.c_str(), password.c_str());
  return remoteCredentialsSet_;
}

bool IceTransport::StartGathering() {
  if (state_ != State::kNew) return true;
  if (!nice_agent_gather_candidates(agent_, streamId_)) {
    SetState(State::kFailed);
    return false;
  }
  return true;
}

bool IceTransport::AddRemoteCandidate(const std::string& candidate) {
  // libnice's parser wants the attribute form, "a=candidate:...".
  const std::string attribute = candidate.rfind("a=", 0) == 0 ? candidate : "a=" + candidate;
  NiceCandidate* parsed = nice_agent_parse_remote_candidate_sdp(agent_, streamId_, attribute.c_str());
  if (!parsed) return false;
  // BUNDLE with rtcp-mux: candidates of other components are for a
  // transport we do not run.
  if (parsed->component_id != kComponent) {
    nice_candidate_free(parsed);
    return true;
  }
  GSList list = {parsed, nullptr};
  const int added = nice_agent_set_remote_candidates(agent_, streamId_, kComponent, &list);
  nice_candidate_free(parsed);
  return added == 1;
}

void IceTransport::EndOfRemoteCandidates() { nice_agent_peer_candidate_gathering_done(agent_, streamId_); }

bool IceTransport::Send(const uint8_t* data, size_t length) {
  if (state_ != State::kConnected && state_ != State::kCompleted) return false;
  return nice_agent_send(agent_, streamId_, kComponent, static_cast<guint>(length),
                         reinterpret_cast<const gchar*>(data)) == static_cast<gint>(length);
}

const char* IceTransport::ToString(State state) {
  switch (state) {
    case State::kNew: return "new";
    case State::kGathering: return "gathering";
    case State::kChecking: return "checking";
    case State::kConnected: return "connected";
    case State::kCompleted: return "completed";
    case State::kFailed: return "failed";
  }
  return "unknown";
}

void IceTransport::SetState(State state) {
  if (state == state_) return;
  GST_DEBUG("change ice-state [ufrag:%s] [from:%s] [to:%s]", localUfrag_.c_str(), ToString(state_),
            ToString(state));
  state_ = state;
  listener_.OnIceStateChanged(*this, state);
}

void IceTransport::OnCandidateThunk(NiceAgent*, NiceCandidate* candidate, gpointer self) {
  auto& ice = *static_cast<IceTransport*>(self);
  if (candidate->stream_id != ice.streamId_ || candidate->component_id != kComponent) return;
  CharPtr attribute(nice_agent_generate_local_candidate_sdp(ice.agent_, candidate), &g_free);
  if (!attribute) return;
  std::string value = attribute.get();
  if (value.rfind("a=", 0) == 0) value.erase(0, 2);
  ice.listener_.OnIceLocalCandidate(ice, value);
}

void IceTransport::OnGatheringDoneThunk(NiceAgent*, guint streamId, gpointer self) {
  auto& ice = *static_cast<IceTransport*>(self);
  if (streamId == ice.streamId_) ice.listener_.OnIceGatheringDone(ice);
}

void IceTransport::OnComponentStateThunk(NiceAgent*, guint streamId, guint componentId, guint state,
                                         gpointer self) {
  auto& ice = *static_cast<IceTransport*>(self);
  if (streamId != ice.streamId_ || componentId != kComponent) return;
  switch (state) {
    case NICE_COMPONENT_STATE_GATHERING: ice.SetState(State::kGathering); break;
    case NICE_COMPONENT_STATE_CONNECTING: ice.SetState(State::kChecking); break;
    case NICE_COMPONENT_STATE_CONNECTED: ice.SetState(State::kConnected); break;
    case NICE_COMPONENT_STATE_READY: ice.SetState(State::kCompleted); break;
    case NICE_COMPONENT_STATE_FAILED: ice.SetState(State::kFailed); break;
    // DISCONNECTED is libnice's state before gathering and after a
    // consent loss it reports as FAILED; nothing to tell.
    default: break;
  }
}

void IceTransport::OnSelectedPairThunk(NiceAgent*, guint streamId, guint componentId, NiceCandidate* local,
                                       NiceCandidate* remote, gpointer self) {
  auto& ice = *static_cast<IceTransport*>(self);
  if (streamId != ice.streamId_ || componentId != kComponent) return;
  SelectedPair pair{TypeName(local->type), TypeName(remote->type), ProtocolName(local->transport)};
  GST_DEBUG("select ice-pair [ufrag:%s] [local:%s] [remote:%s] [protocol:%s]", ice.localUfrag_.c_str(),
            pair.localType.c_str(), pair.remoteType.c_str(), pair.protocol.c_str());
  ice.listener_.OnIceSelectedPair(ice, pair);
}

void IceTransport::OnReceiveThunk(NiceAgent*, guint, guint, guint length, gchar* data, gpointer self) {
  auto& ice = *static_cast<IceTransport*>(self);
  ice.listener_.OnIcePacket(ice, reinterpret_cast<uint8_t*>(data), length);
}

}  // namespace plenum::transport
