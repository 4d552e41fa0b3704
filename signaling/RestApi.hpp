// The REST API under /api/v1 (PROTOCOL.md section 2), plus /healthz and
// /metrics: rooms, their recordings and broadcasts, a participant's
// connection (timeline and rates), the archive key, and the recordings on
// disk (list, get with manifest, legal hold).
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

namespace plenum::mcu {
class Conference;
struct ServerConfig;
}  // namespace plenum::mcu

namespace plenum::signaling {

class RestApi : public Poco::Net::HTTPRequestHandler {
 public:
  RestApi(mcu::Conference& conference, const mcu::ServerConfig& config) : conference_(conference), config_(config) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  mcu::Conference& conference_;
  const mcu::ServerConfig& config_;
};

// 200 "ok" while the control thread answers; 503 once it has been stuck
// for control-stall-seconds, for systemd or a load balancer to act on.
class HealthCheck : public Poco::Net::HTTPRequestHandler {
 public:
  explicit HealthCheck(const mcu::Conference& conference) : conference_(conference) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  const mcu::Conference& conference_;
};

class Metrics : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Metrics(mcu::Conference& conference) : conference_(conference) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  mcu::Conference& conference_;
};

}  // namespace plenum::signaling
