#include "testclient/IceRestriction.hpp"

#include "testclient/GRefPtr.hpp"

#include <nice/agent.h>

#include <stdexcept>

namespace plenum::test {

void RestrictIceToAddress(GstElement* webrtcbin, const std::string& address) {
  // webrtcbin's "ice-agent" is a GstWebRTCICE (GstWebRTCNice in practice),
  // whose "agent" is the NiceAgent it drives. Both getters return a reference.
  GRefPtr<GObject> ice;
  g_object_get(webrtcbin, "ice-agent", ice.OutPtr(), nullptr);
  if (!ice || !g_object_class_find_property(G_OBJECT_GET_CLASS(ice.get()), "agent"))
    throw std::runtime_error("webrtcbin's ICE implementation does not expose a NiceAgent");

  GRefPtr<NiceAgent> agent;
  g_object_get(ice.get(), "agent", agent.OutPtr(), nullptr);
  if (!agent) throw std::runtime_error("webrtcbin has no NiceAgent");

  NiceAddress niceAddress;
  nice_address_init(&niceAddress);
  if (!nice_address_set_from_string(&niceAddress, address.c_str()))
    throw std::runtime_error("not an IP address: " + address);
  if (!nice_agent_add_local_address(agent.get(), &niceAddress))
    throw std::runtime_error("NiceAgent refused local address " + address);

  // TCP candidates on the same address add nothing on loopback but checks.
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice.get()), "ice-tcp"))
    g_object_set(ice.get(), "ice-tcp", FALSE, nullptr);
}

}  // namespace plenum::test
