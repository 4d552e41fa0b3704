#include "mcu/ServerConfig.hpp"

#include <Poco/Exception.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <set>
#include <stdexcept>

#include "mcu/Validation.hpp"

namespace plenum::mcu {
namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  Poco::StringTokenizer tokens(text, ", ", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
  for (const auto& token : tokens) items.push_back(token);
  return items;
}

int IntIn(const Poco::Util::AbstractConfiguration& config, const std::string& key, int fallback, int min, int max) {
  int value = fallback;
  try {
    value = config.getInt(key, fallback);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument(key + " must be a whole number, not '" + config.getString(key, "") + "'");
  }
  if (value < min || value > max) {
    throw std::invalid_argument(key + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

}  // namespace

IceServer ToClientIceServer(const std::string& url) {
  Poco::URI uri(url);
  const std::string scheme = uri.getScheme();
  if (scheme != "stun" && scheme != "turn" && scheme != "turns") {
    throw std::invalid_argument("ICE server URLs are stun://, turn:// or turns://: " + url);
  }
  IceServer server;
  // RFC 7064/7065 URIs: the default ports are 3478 and, over TLS, 5349
  // (Poco knows neither scheme, so it says 0); an IPv6 host in brackets;
  // "?transport=tcp" kept, since it changes how the client reaches it.
  const std::string host = uri.getHost();
  const unsigned port = uri.getPort() != 0 ? uri.getPort() : (scheme == "turns" ? 5349 : 3478);
  server.url = scheme + ":" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
               std::to_string(port) + (uri.getRawQuery().empty() ? "" : "?" + uri.getRawQuery());
  const std::string userInfo = uri.getUserInfo();
  if (const auto colon = userInfo.find(':'); colon != std::string::npos) {
    server.username = userInfo.substr(0, colon);
    server.credential = userInfo.substr(colon + 1);
  }
  return server;
}

ServerConfig ServerConfig::From(const Poco::Util::AbstractConfiguration& config, const std::string& defaultWebRoot) {
  ServerConfig out;
  out.bind = config.getString("bind", out.bind);
  out.port = IntIn(config, "port", out.port, 0, 65535);
  if (config.getString("tls-port", "") == "off") {
    out.tlsEnabled = false;
  } else {
    out.tlsPort = IntIn(config, "tls-port", out.tlsPort, 0, 65535);
  }
  out.tlsCert = config.getString("tls-cert", "");
  out.tlsKey = config.getString("tls-key", "");
  if (out.tlsCert.empty() != out.tlsKey.empty()) {
    throw std::invalid_argument("tls-cert and tls-key are set together (or neither, for a self-signed certificate)");
  }
  out.dataDir = config.getString("data-dir", out.dataDir);
  if (out.dataDir.empty()) throw std::invalid_argument("data-dir must name a directory");
  out.webRoot = config.getString("web-root", defaultWebRoot);
  out.recordingsDir = config.getString("recordings-dir", out.recordingsDir);
  try {
    out.retentionDays = config.getDouble("retention-days", out.retentionDays);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("retention-days must be a number of days (0: keep recordings)");
  }
  if (!(out.retentionDays >= 0 && out.retentionDays <= 36500))
    throw std::invalid_argument("retention-days must be from 0 (keep) to 36500");
  out.recordingAuto = config.getBool("recording-auto", out.recordingAuto);
  out.recordingRequired = config.getBool("recording-required", out.recordingRequired);
  out.recordingSegmentSeconds =
      IntIn(config, "recording-segment-seconds", out.recordingSegmentSeconds, 5, 24 * 3600);
  out.maxParticipants = IntIn(config, "max-participants", out.maxParticipants, 1, kMaxParticipantsLimit);
  out.autoCreateRooms = config.getBool("auto-create-rooms", out.autoCreateRooms);
  out.maxConnections = IntIn(config, "max-connections", out.maxConnections, 8, 100000);
  out.maxConnectionsPerAddress = IntIn(config, "max-connections-per-address", out.maxConnectionsPerAddress, 0, 100000);
  out.joinsPerSecondPerAddress =
      IntIn(config, "joins-per-second-per-address", out.joinsPerSecondPerAddress, 0, 100000);
  out.headerTimeoutSeconds = IntIn(config, "header-timeout-seconds", out.headerTimeoutSeconds, 1, 600);
  out.joinTimeoutSeconds = IntIn(config, "join-timeout-seconds", out.joinTimeoutSeconds, 1, 3600);
  out.controlStallSeconds = IntIn(config, "control-stall-seconds", out.controlStallSeconds, 1, 600);
  out.apiKey = config.getString("api-key", "");
  out.tokenSecret = config.getString("token-secret", "");
  out.log.level = ParseLogLevel(config.getString("log-level", "info"));
  out.log.target = ParseLogTarget(config.getString("log-target", "auto"));

  mixer::MediaOptions& media = out.media;
  mixer::IceOptions& ice = media.ice;
  ice.stunServer = config.getString("stun-server", "");
  ice.turnServers = SplitList(config.getString("turn-servers", ""));
  ice.localAddresses = SplitList(config.getString("ice-local-address", ""));
  ice.publicIp = config.getString("public-ip", "");
  ice.portMin = static_cast<unsigned>(IntIn(config, "ice-port-min", 0, 0, 65535));
  ice.portMax = static_cast<unsigned>(IntIn(config, "ice-port-max", 0, 0, 65535));
  if ((ice.portMin == 0) != (ice.portMax == 0) || ice.portMin > ice.portMax) {
    throw std::invalid_argument("ice-port-min and ice-port-max are set together, min <= max");
  }
  ice.tcp = config.getBool("ice-tcp", ice.tcp);
  media.jitterLatencyMs = static_cast<unsigned>(IntIn(config, "jitter-latency-ms", media.jitterLatencyMs, 0, 2000));
  media.videoWidth = IntIn(config, "video-width", media.videoWidth, 64, 3840) & ~1;
  media.videoHeight = IntIn(config, "video-height", media.videoHeight, 64, 2160) & ~1;
  media.videoFramerate = IntIn(config, "video-framerate", media.videoFramerate, 1, 60);
  media.videoBitrate = IntIn(config, "video-bitrate", media.videoBitrate, 50'000, 20'000'000);
  media.audioBitrate = IntIn(config, "audio-bitrate", media.audioBitrate, 6'000, 510'000);
  media.encoderThreads = IntIn(config, "encoder-threads", media.encoderThreads, 1, 16);
  media.mediaThreads = static_cast<size_t>(IntIn(config, "media-threads", 0, 0, 256));
  media.speakers = IntIn(config, "mixed-speakers", media.speakers, 1, 16);

  BroadcastPolicy& broadcast = out.broadcast;
  broadcast.hlsDir = out.dataDir + "/hls";
  broadcast.videoBitrateKbps = IntIn(config, "broadcast-video-kbps", broadcast.videoBitrateKbps, 100, 50'000);
  broadcast.audioBitrate = IntIn(config, "broadcast-audio-bitrate", broadcast.audioBitrate, 32'000, 320'000);
  broadcast.preset = config.getString("broadcast-preset", broadcast.preset);
  static const std::set<std::string> kPresets = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                                 "medium",    "slow",      "slower",   "veryslow"};
  if (!kPresets.count(broadcast.preset))
    throw std::invalid_argument("broadcast-preset must be an x264 preset, ultrafast to veryslow");
  broadcast.hlsSegmentSeconds = IntIn(config, "hls-segment-seconds", broadcast.hlsSegmentSeconds, 1, 10);
  broadcast.hlsPlaylistLength = IntIn(config, "hls-playlist-length", broadcast.hlsPlaylistLength, 3, 30);

  if (!ice.stunServer.empty()) out.clientIceServers.push_back(ToClientIceServer(ice.stunServer));
  for (const auto& turn : ice.turnServers) out.clientIceServers.push_back(ToClientIceServer(turn));
  return out;
}

}  // namespace plenum::mcu
