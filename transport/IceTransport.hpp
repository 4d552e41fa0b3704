// ICE for one participant: one libnice agent, one stream, one component
// (BUNDLE and rtcp-mux put everything on a single 5-tuple). Full ICE in the
// controlled role (the client offers, so it controls), trickle both ways,
// consent freshness (RFC 7675) so a peer that vanished is noticed.
//
// Everything happens on the media worker whose context the agent runs on:
// libnice emits its signals and hands received datagrams there, and every
// method here must be called there too.
#pragma once

#include "transport/IceSettings.hpp"

#include <nice/agent.h>
#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace plenum::transport {

class IceTransport {
 public:
  enum class State { kNew, kGathering, kChecking, kConnected, kCompleted, kFailed };

  struct SelectedPair {
    std::string localType;   // host, srflx, prflx, relay
    std::string remoteType;
    std::string protocol;    // udp, tcp
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    // `candidate` is an SDP candidate attribute value ("candidate:1 1 UDP ...").
    virtual void OnIceLocalCandidate(IceTransport& ice, const std::string& candidate) = 0;
    virtual void OnIceGatheringDone(IceTransport& ice) = 0;
    virtual void OnIceStateChanged(IceTransport& ice, State state) = 0;
    virtual void OnIceSelectedPair(IceTransport& ice, const SelectedPair& pair) = 0;
    // A datagram that is not STUN (libnice answers STUN itself). The bytes
    // are libnice's receive buffer, valid during the call; they may be
    // changed in place (SRTP is unprotected there, with no copy).
    virtual void OnIcePacket(IceTransport& ice, uint8_t* data, size_t length) = 0;
  };

  // Throws std::runtime_error if libnice refuses the stream.
  IceTransport(Listener& listener, GMainContext* context, const IceSettings& settings);
  // No listener call after this.
  ~IceTransport();

  IceTransport(const IceTransport&) = delete;
  IceTransport& operator=(const IceTransport&) = delete;

  const std::string& LocalUfrag() const { return localUfrag_; }
  const std::string& LocalPassword() const { return localPassword_; }
  State GetState() const { return state_; }

  // From the remote description. False when libnice refuses them.
  bool SetRemoteCredentials(const std::string& ufrag, const std::string& password);
  // Starts gathering; candidates trickle out through the listener.
  bool StartGathering();
  // `candidate`: "candidate:..." with or without a leading "a=". False when it
  // does not parse or libnice refuses it (the transport stays as it was).
  bool AddRemoteCandidate(const std::string& candidate);
  void EndOfRemoteCandidates();

  // Sends one datagram on the selected pair. False before ICE has connected
  // or when the socket would block (a media packet is then lost, as on a
  // congested link; nothing queues).
  bool Send(const uint8_t* data, size_t length);

  static const char* ToString(State state);

 private:
  void SetState(State state);

  static void OnCandidateThunk(NiceAgent*, NiceCandidate* candidate, gpointer self);
  static void OnGatheringDoneThunk(NiceAgent*, guint streamId, gpointer self);
  static void OnComponentStateThunk(NiceAgent*, guint streamId, guint componentId, guint state, gpointer self);
  static void OnSelectedPairThunk(NiceAgent*, guint streamId, guint componentId, NiceCandidate* local,
                                  NiceCandidate* remote, gpointer self);
  static void OnReceiveThunk(NiceAgent*, guint streamId, guint componentId, guint length, gchar* data,
                             gpointer self);

  // Passed by argument.
  Listener& listener_;
  GMainContext* context_;

  // Owned.
  NiceAgent* agent_ = nullptr;  // unref'd in the destructor, after detaching every callback
  std::vector<gulong> signalIds_;

  // Others.
  guint streamId_ = 0;
  std::string localUfrag_;
  std::string localPassword_;
  State state_ = State::kNew;
  bool remoteCredentialsSet_ = false;
};

}  // namespace plenum::transport
