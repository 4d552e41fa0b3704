// The HTTP front door: WebSocket signaling at /ws, the REST API, health
// and metrics, and the browser client. Poco's threaded server blocks one
// pool thread per open WebSocket, so the pool is sized for the configured
// number of connections (max-connections), not Poco's default of 16.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>

namespace plenum::mcu {
class Conference;
struct ServerConfig;
}  // namespace plenum::mcu

namespace plenum::signaling {

class HttpServer {
 public:
  HttpServer(const mcu::ServerConfig& config, mcu::Conference& conference);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Start();
  // Stops accepting, then waits (bounded) for handler threads to finish.
  void Stop();
  unsigned short port() const;

 private:
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool running_ = false;
};

}  // namespace plenum::signaling
