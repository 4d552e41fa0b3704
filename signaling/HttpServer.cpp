#include "signaling/HttpServer.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
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
    if (path == "/healthz") return new HealthCheck(conference_);
    if (path == "/metrics") return new Metrics(conference_);
    if (path.rfind("/api/", 0) == 0) return new RestApi(conference_, config_);
    return new StaticFiles(config_.webRoot);
  }

 private:
  const mcu::ServerConfig& config_;
  mcu::Conference& conference_;
};

Poco::Net::Context::Ptr ServerTlsContext(const TlsIdentity& identity) {
  Poco::Net::Context::Params params;
  params.certificateFile = identity.certificateFile;
  params.privateKeyFile = identity.keyFile;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients present no certificates
  params.loadDefaultCAs = false;
  // Forward-secret AEAD suites for TLS 1.2 (OpenSSL's TLS 1.3 defaults are
  // all of that kind already).
  params.cipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL";
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  return context;
}

Poco::Net::HTTPServerParams::Ptr ServerParams(int threads) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(threads);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  return params;
}

}  // namespace

HttpServer::HttpServer(const mcu::ServerConfig& config, mcu::Conference& conference,
                       const std::optional<TlsIdentity>& tls) {
  const int threads = config.maxConnections;
  // Each listener's dispatcher holds a pool thread of its own.
  pool_ = std::make_unique<Poco::ThreadPool>("plenum-http", 4, threads + 2);
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(config.bind, static_cast<Poco::UInt16>(config.port)));
  plain_ = std::make_unique<Poco::Net::HTTPServer>(new Router(config, conference), *pool_, socket,
                                                   ServerParams(threads));
  if (tls) {
    sslLibrary_ = std::make_unique<SslLibrary>();
    Poco::Net::SecureServerSocket secureSocket(
        Poco::Net::SocketAddress(config.bind, static_cast<Poco::UInt16>(config.tlsPort)), 64,
        ServerTlsContext(*tls));
    secure_ = std::make_unique<Poco::Net::HTTPServer>(new Router(config, conference), *pool_, secureSocket,
                                                      ServerParams(threads));
  }
}

HttpServer::~HttpServer() { Stop(); }

HttpServer::SslLibrary::SslLibrary() { Poco::Net::initializeSSL(); }

HttpServer::SslLibrary::~SslLibrary() { Poco::Net::uninitializeSSL(); }

void HttpServer::Start() {
  plain_->start();
  if (secure_) secure_->start();
  running_ = true;
}

void HttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  plain_->stopAll(true);
  if (secure_) secure_->stopAll(true);
  pool_->joinAll();
}

unsigned short HttpServer::port() const { return plain_->port(); }

unsigned short HttpServer::tlsPort() const { return secure_ ? secure_->port() : 0; }

}  // namespace plenum::signaling
