// How a transport's ICE agent gathers and which servers it uses. Filled
// from the server's options; names of servers are resolved before they get
// here (libnice takes addresses), so a worker never blocks on DNS.
#pragma once

#include <string>
#include <vector>

namespace plenum::transport {

struct TurnServer {
  std::string address;  // IP literal
  unsigned port = 3478;
  std::string username;
  std::string password;
  bool tcp = false;  // TURN over TCP instead of UDP
};

struct IceSettings {
  std::string stunAddress;  // IP literal, empty for none
  unsigned stunPort = 3478;
  std::vector<TurnServer> turnServers;
  std::vector<std::string> localAddresses;  // gather only on these; empty = every interface
  unsigned portMin = 0;                     // 0 = any
  unsigned portMax = 0;
  bool tcp = true;  // also gather ICE-TCP (passive) candidates
};

}  // namespace plenum::transport
