#include "signaling/HttpServer.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "mcu/Conference.hpp"
#include "mcu/ServerConfig.hpp"
#include "signaling/RestApi.hpp"
#include "signaling/StaticFiles.hpp"
#include "signaling/WebSocketSession.hpp"

namespace plenum::signaling {
namespace {

class Router : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Router(const mcu::ServerConfig& config, mcu::Conference& conference) : config_(config), conference_(conference) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
    std::string path;
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
      path = "/";
    }
    if (path == "/ws") return new WebSocketSession(conference_);
    if (path == "/healthz") return new HealthCheck();
    if (path == "/metrics") return new Metrics(conference_);
    if (path.rfind("/api/", 0) == 0) return new RestApi(conference_, config_);
    return new StaticFiles(config_.webRoot);
  }

 private:
  const mcu::ServerConfig& config_;
  mcu::Conference& conference_;
};

}  // namespace

HttpServer::HttpServer(const mcu::ServerConfig& config, mcu::Conference& conference) {
  const int threads = config.maxConnections;
  pool_ = std::make_unique<Poco::ThreadPool>("plenum-http", 4, threads);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(threads);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(config.bind, static_cast<Poco::UInt16>(config.port)));
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Router(config, conference), *pool_, socket, params);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  server_->start();
  running_ = true;
}

void HttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  server_->stopAll(true);
  pool_->joinAll();
}

unsigned short HttpServer::port() const { return server_->port(); }

}  // namespace plenum::signaling
