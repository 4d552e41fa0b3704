#include "common/IceRestriction.hpp"

#include <nice/agent.h>

#include <stdexcept>

namespace plenum::common {

std::vector<std::string> RestrictIce(GstElement* webrtcbin, const IceRestriction& restriction) {
  // webrtcbin's "ice-agent" is a GstWebRTCICE (GstWebRTCNice in 1.22), whose
  // "agent" is the NiceAgent it drives. Both getters return a reference.
  g_autoptr(GObject) ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  if (!ice || !g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent"))
    throw std::runtime_error("webrtcbin's ICE implementation does not expose a NiceAgent");
  g_autoptr(GObject) agent = nullptr;
  g_object_get(ice, "agent", &agent, nullptr);
  if (!agent) throw std::runtime_error("webrtcbin has no NiceAgent");

  g_object_set(agent, "upnp", FALSE, nullptr);
  std::vector<std::string> refused;
  for (const std::string& address : restriction.localAddresses) {
    NiceAddress niceAddress;
    nice_address_init(&niceAddress);
    if (!nice_address_set_from_string(&niceAddress, address.c_str()) ||
        !nice_agent_add_local_address(NICE_AGENT(agent), &niceAddress)) {
      refused.push_back(address);
    }
  }
  if (restriction.udpOnly && g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "ice-tcp"))
    g_object_set(ice, "ice-tcp", FALSE, nullptr);
  return refused;
}

}  // namespace plenum::common
