// Every server option, with its embedded default. Filled from the layered
// Poco configuration (INI file under --config, then the command line).
#pragma once

#include <string>
#include <vector>

#include "mcu/BroadcastPolicy.hpp"
#include "mcu/Log.hpp"
#include "mcu/ParticipantChannel.hpp"
#include "mixer/MediaOptions.hpp"

namespace Poco::Util {
class AbstractConfiguration;
}

namespace plenum::mcu {

struct ServerConfig {
  std::string bind = "0.0.0.0";
  int port = 8080;  // 0: pick a free port
  // HTTPS and WSS, on by default: browsers give the camera and microphone
  // only to secure pages, so every other machine needs this.
  bool tlsEnabled = true;  // tls-port = off turns it off
  int tlsPort = 8443;      // 0: pick a free port
  // The administrator's certificate (PEM, leaf first) and key; both or
  // neither. Neither: a self-signed pair kept in dataDir.
  std::string tlsCert;
  std::string tlsKey;
  std::string dataDir = "./data";  // the server's own state (its TLS certificate)
  std::string webRoot;
  std::string recordingsDir = "./recordings";
  double retentionDays = 0;  // finished recordings older than this are deleted unless held; 0: kept
  bool recordingAuto = false;      // every room is recorded from its first join
  bool recordingRequired = false;  // a room that cannot be recorded refuses joins (compliance)
  int recordingSegmentSeconds = 600;
  int maxParticipants = 16;  // default for rooms not made through REST with their own
  bool autoCreateRooms = true;
  int maxConnections = 2048;  // concurrent HTTP/WebSocket connections
  int maxConnectionsPerAddress = 64;  // 0: no limit (behind a reverse proxy, all share its address)
  int joinsPerSecondPerAddress = 10;  // WebSockets one address may open a second, after a burst of 5 s' worth; 0: no limit
  int headerTimeoutSeconds = 10;  // a request's headers must be in by then (slowloris)
  int joinTimeoutSeconds = 10;  // a WebSocket that has not joined by then is closed
  int controlStallSeconds = 5;  // /healthz fails once the control thread has not answered for this long
  std::string apiKey;        // empty: the REST API is open
  std::string tokenSecret;   // empty: joins need no token
  mixer::MediaOptions media;
  BroadcastPolicy broadcast;  // hlsDir is <data-dir>/hls
  // What clients are told in joined.iceServers.
  std::vector<IceServer> clientIceServers;
  LogSettings log;  // log-level, log-target

  // Throws std::invalid_argument naming the option when a value is unusable.
  static ServerConfig From(const Poco::Util::AbstractConfiguration& config, const std::string& defaultWebRoot);
};

// A "stun://host:port" or "turn://user:pass@host:port" URL as the options
// take it, turned into the RTCPeerConnection form browsers take.
IceServer ToClientIceServer(const std::string& url);

}  // namespace plenum::mcu
