// What webrtcbin says of a connection, in the plain words a participant's
// timeline keeps: state names, and the candidate pair ICE selected.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <optional>
#include <string>

namespace plenum::mixer {

// The candidate pair a connection runs over: kinds and protocols only,
// never addresses (the remote one is the participant's).
struct SelectedPair {
  std::string localType;  // host, srflx, prflx, relay
  std::string remoteType;
  std::string protocol;       // udp, tcp
  std::string relayProtocol;  // the local relay's, when it is one
};

// "checking", "connected", ... (webrtc's names, which are the enums' nicks).
std::string IceConnectionStateName(GstWebRTCICEConnectionState state);
// "connecting", "connected", ...
std::string PeerConnectionStateName(GstWebRTCPeerConnectionState state);

// The selected pair in a webrtcbin "get-stats" reply (a candidate-pair
// entry naming its local and remote candidates), if it has one.
std::optional<SelectedPair> SelectedPairFromStats(const GstStructure* stats);

}  // namespace plenum::mixer
