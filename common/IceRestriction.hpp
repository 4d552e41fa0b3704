// How every webrtcbin we make gathers: the server's, the test clients' and
// the benchmark bots'. One place, so none of them asks a router for port
// mappings or gathers on interfaces it was told to stay off.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace plenum::common {

struct IceRestriction {
  // Gather host candidates on these addresses only (empty: every interface).
  std::vector<std::string> localAddresses;
  // No ICE-TCP candidates: on loopback they add checks and nothing else.
  bool udpOnly = false;
};

// Applies `restriction` to the NiceAgent inside `webrtcbin` (its
// "ice-agent"'s "agent") and always turns off libnice's UPnP, which would
// otherwise send SSDP on every interface and ask the router to open ports.
// Call before the first local description is set (gathering starts there).
// Returns the addresses libnice refused (not IP addresses, or not usable);
// throws std::runtime_error when webrtcbin has no NiceAgent.
std::vector<std::string> RestrictIce(GstElement* webrtcbin, const IceRestriction& restriction);

}  // namespace plenum::common
