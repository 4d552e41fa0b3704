#include "signaling/HttpServer.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "mcu/Conference.hpp"
#include "mcu/ServerConfig.hpp"
#include "mcu/Log.hpp"
#include "signaling/HlsFiles.hpp"
#include "signaling/RestApi.hpp"
#include "signaling/StaticFiles.hpp"
#include "signaling/WebSocketHub.hpp"
#include "signaling/WebSocketUpgrade.hpp"

namespace plenum::signaling {
namespace {

// Tells the deadlines when the request it wraps is done (Poco deletes a
// handler when its request has been answered).
class TimedHandler : public Poco::Net::HTTPRequestHandler {
 public:
  TimedHandler(Poco::Net::HTTPRequestHandler* inner, RequestDeadlines& deadlines, RequestDeadlines::Id id)
      : inner_(inner), deadlines_(deadlines), id_(id) {}
  ~TimedHandler() override {
    if (id_ != 0) deadlines_.RequestDone(id_);
  }
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    inner_->handleRequest(request, response);
  }

 private:
  std::unique_ptr<Poco::Net::HTTPRequestHandler> inner_;
  RequestDeadlines& deadlines_;
  RequestDeadlines::Id id_;
};

class Router : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Router(const mcu::ServerConfig& config, mcu::Conference& conference, RequestDeadlines& deadlines,
         WebSocketHub& hub, AddressRate& openings)
      : config_(config), conference_(conference), deadlines_(deadlines), hub_(hub), openings_(openings) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
    // Called once the request's headers are in.
    const RequestDeadlines::Id connection = CurrentConnection();
    if (connection != 0) deadlines_.HeadersDone(connection);
    return new TimedHandler(HandlerFor(request), deadlines_, connection);
  }

  // Tells every open connection to end after its current request, as
  // HTTPServer::stopAll does (the event is protected).
  void StopConnections(const void* server) { serverStopped(server, true); }

 private:
  Poco::Net::HTTPRequestHandler* HandlerFor(const Poco::Net::HTTPServerRequest& request) {
    std::string path;
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
      path = "/";
    }
    if (path == "/ws") return new WebSocketUpgrade(hub_, openings_);
    if (path == "/healthz") return new HealthCheck(conference_);
    if (path == "/metrics") return new Metrics(conference_);
    if (path.rfind("/api/", 0) == 0) return new RestApi(conference_, config_);
    if (path.rfind("/hls/", 0) == 0) return new HlsFiles(conference_);
    if (path.rfind("/watch/", 0) == 0) return new WatchPage(config_.webRoot);
    return new StaticFiles(config_.webRoot);
  }

  const mcu::ServerConfig& config_;
  mcu::Conference& conference_;
  RequestDeadlines& deadlines_;
  WebSocketHub& hub_;
  AddressRate& openings_;
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

// The client's address as the limits count it.
std::string AddressOf(const Poco::Net::StreamSocket& socket) {
  try {
    return socket.peerAddress().host().toString();
  } catch (const Poco::Exception&) {
    return {};  // already gone
  }
}

// Rejects at accept time, before the connection costs a thread, when the
// server is full or the client address already holds its share.
class AddressFilter : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit AddressFilter(ConnectionLimits& limits) : limits_(limits) {}
  bool accept(const Poco::Net::StreamSocket& socket) override { return limits_.HasRoom(AddressOf(socket)); }

 private:
  ConnectionLimits& limits_;
};

// An HTTP connection that counts against the limits while open (or until
// a WebSocket upgrade takes its slot to the hub), and whose request
// headers have a deadline.
class CountedConnection : public Poco::Net::HTTPServerConnection {
 public:
  CountedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr router, ConnectionSlot slot,
                    RequestDeadlines& deadlines)
      : HTTPServerConnection(socket, params, router), slot_(std::move(slot)), deadlines_(deadlines) {}

  void run() override {
    struct Registration {
      RequestDeadlines& deadlines;
      RequestDeadlines::Id id;
      ~Registration() {
        SetCurrentConnection(0);
        SetCurrentConnectionSlot(nullptr);
        deadlines.End(id);
      }
    } registration{deadlines_, deadlines_.Begin(socket())};
    SetCurrentConnection(registration.id);
    SetCurrentConnectionSlot(&slot_);
    HTTPServerConnection::run();
  }

 private:
  ConnectionSlot slot_;
  RequestDeadlines& deadlines_;
};

// Over the limit after all (several were queued at once): say so, close.
class RefusedConnection : public Poco::Net::TCPServerConnection {
 public:
  using TCPServerConnection::TCPServerConnection;
  void run() override {
    static const std::string kResponse =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        "Content-Length: 22\r\n\r\ntoo many connections\r\n";
    try {
      socket().setSendTimeout(Poco::Timespan(1, 0));
      socket().sendBytes(kResponse.data(), static_cast<int>(kResponse.size()));
    } catch (const Poco::Exception&) {
      // The client is gone or not reading; closing is all that is left.
    }
  }
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr router,
                    ConnectionLimits& limits, RequestDeadlines& deadlines)
      : params_(std::move(params)), router_(std::move(router)), limits_(limits), deadlines_(deadlines) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    std::string address = AddressOf(socket);
    if (!limits_.Open(address)) return new RefusedConnection(socket);
    return new CountedConnection(socket, params_, router_, ConnectionSlot(limits_, std::move(address)), deadlines_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr router_;
  ConnectionLimits& limits_;
  RequestDeadlines& deadlines_;
};

constexpr int kKeepAliveSeconds = 10;  // how long a kept-alive connection may wait for its next request

Poco::Net::HTTPServerParams::Ptr ServerParams(int threads) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(threads);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(kKeepAliveSeconds, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  return params;
}

}  // namespace

HttpServer::HttpServer(const mcu::ServerConfig& config, mcu::Conference& conference,
                       const std::optional<TlsIdentity>& tls)
    : limits_(config.maxConnections, config.maxConnectionsPerAddress),
      openings_(config.joinsPerSecondPerAddress, kJoinBurstSeconds * config.joinsPerSecondPerAddress),
      deadlines_(std::chrono::seconds(config.headerTimeoutSeconds), std::chrono::seconds(kKeepAliveSeconds)),
      hub_(std::make_unique<WebSocketHub>(conference)) {
  // Threads serve HTTP requests only (a WebSocket goes to the hub once
  // upgraded): up to kMaxHttpThreads, made when needed, reaped when idle.
  const int threads = std::min(config.maxConnections, kMaxHttpThreads);
  // Each listener's dispatcher holds a pool thread of its own, and so does
  // the reaper. A thread idle for kIdleThreadSeconds may go.
  pool_ = std::make_unique<Poco::ThreadPool>("plenum-http", 4, threads + 3, kIdleThreadSeconds);
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(config.bind, static_cast<Poco::UInt16>(config.port)));
  plain_ = MakeListener(new Router(config, conference, deadlines_, *hub_, openings_), socket, threads);
  if (tls) {
    sslLibrary_ = std::make_unique<SslLibrary>();
    Poco::Net::SecureServerSocket secureSocket(
        Poco::Net::SocketAddress(config.bind, static_cast<Poco::UInt16>(config.tlsPort)), 64,
        ServerTlsContext(*tls));
    secure_ = MakeListener(new Router(config, conference, deadlines_, *hub_, openings_), secureSocket, threads);
  }
}

HttpServer::Listener HttpServer::MakeListener(Poco::Net::HTTPRequestHandlerFactory::Ptr router,
                                              const Poco::Net::ServerSocket& socket, int threads) {
  // Poco's HTTPServer, but with our connection factory, which counts each
  // connection against its client address.
  Poco::Net::HTTPServerParams::Ptr params = ServerParams(threads);
  Listener listener;
  listener.router = router;
  listener.server = std::make_unique<Poco::Net::TCPServer>(
      new ConnectionFactory(params, router, limits_, deadlines_), *pool_, socket, params);
  listener.server->setConnectionFilter(new AddressFilter(limits_));
  return listener;
}

HttpServer::~HttpServer() { Stop(); }

HttpServer::SslLibrary::SslLibrary() { Poco::Net::initializeSSL(); }

HttpServer::SslLibrary::~SslLibrary() { Poco::Net::uninitializeSSL(); }

void HttpServer::Start() {
  hub_->Start();
  plain_.server->start();
  if (secure_.server) secure_.server->start();
  reaper_.setPeriodicInterval(1000);
  reaper_.start(Poco::TimerCallback<HttpServer>(*this, &HttpServer::Housekeep), *pool_);
  running_ = true;
}

void HttpServer::Housekeep(Poco::Timer&) {
  const int overdue = deadlines_.ShutDownOverdue(RequestDeadlines::Clock::now());
  if (overdue > 0) PLENUM_LOG_INFO("close connections whose request headers are late [count:%d]", overdue);
  // Poco gives idle pool threads back only when it needs a new one: after
  // a burst of connections (a flood, a crowd leaving) the process would
  // keep hundreds of idle threads. Collect them here instead.
  if (++housekeepingTicks_ % kIdleThreadSeconds == 0) pool_->collect();
}

void HttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  reaper_.stop();
  for (Listener* listener : {&plain_, &secure_}) {
    if (!listener->server) continue;
    // What HTTPServer::stopAll(true) does: stop accepting, then tell every
    // open connection to end its current request.
    listener->server->stop();
    static_cast<Router*>(listener->router.get())->StopConnections(listener->server.get());
  }
  pool_->joinAll();
  hub_->Stop();
}

unsigned short HttpServer::port() const { return plain_.server->port(); }

unsigned short HttpServer::tlsPort() const { return secure_.server ? secure_.server->port() : 0; }

}  // namespace plenum::signaling
