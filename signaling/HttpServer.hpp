// The HTTP front door: WebSocket signaling at /ws, the REST API, health
// and metrics, and the browser client, served over plain HTTP (`port`, for
// this machine and a reverse proxy in front) and over HTTPS (`tls-port`:
// browsers give the camera and microphone only to secure pages, so another
// machine joins over https). Poco's threaded server serves each HTTP
// connection on a pool thread while a request is read and answered; a
// WebSocket leaves for the hub's one thread as soon as it is upgraded. At
// most max-connections are open at once, at most
// max-connections-per-address from one client address, and one address
// opens at most joins-per-second-per-address WebSockets a second.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timer.h>

#include <memory>
#include <optional>

#include "signaling/AddressRate.hpp"
#include "signaling/ConnectionLimits.hpp"
#include "signaling/RequestDeadlines.hpp"
#include "signaling/TlsCertificate.hpp"

namespace plenum::mcu {
class Conference;
struct ServerConfig;
}  // namespace plenum::mcu

namespace plenum::signaling {

class WebSocketHub;

class HttpServer {
 public:
  // Listens on config.bind:config.port, and with `tls` also on
  // config.bind:config.tlsPort. Throws Poco::Exception when a port cannot
  // be bound or the TLS files cannot be loaded.
  HttpServer(const mcu::ServerConfig& config, mcu::Conference& conference, const std::optional<TlsIdentity>& tls);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Start();
  // Stops accepting, then waits (bounded) for handler threads to finish.
  void Stop();
  unsigned short port() const;
  // 0 without TLS.
  unsigned short tlsPort() const;

 private:
  // Poco's OpenSSL set-up, for as long as a secure listener may use it.
  struct SslLibrary {
    SslLibrary();
    ~SslLibrary();
    SslLibrary(const SslLibrary&) = delete;
    SslLibrary& operator=(const SslLibrary&) = delete;
  };

  struct Listener {
    Poco::Net::HTTPRequestHandlerFactory::Ptr router;
    std::unique_ptr<Poco::Net::TCPServer> server;
  };

  static constexpr int kIdleThreadSeconds = 5;
  static constexpr int kMaxHttpThreads = 256;
  // An address may open this many seconds' worth of WebSockets at once.
  static constexpr int kJoinBurstSeconds = 5;

  // Every second: late request headers, idle pool threads.
  void Housekeep(Poco::Timer& timer);
  Listener MakeListener(Poco::Net::HTTPRequestHandlerFactory::Ptr router, const Poco::Net::ServerSocket& socket,
                        int threads);

  ConnectionLimits limits_;
  AddressRate openings_;
  RequestDeadlines deadlines_;
  std::unique_ptr<WebSocketHub> hub_;
  int housekeepingTicks_ = 0;  // reaper thread only
  std::unique_ptr<SslLibrary> sslLibrary_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  Listener plain_;
  Listener secure_;
  Poco::Timer reaper_;  // runs Housekeep on a pool thread
  bool running_ = false;
};

}  // namespace plenum::signaling
