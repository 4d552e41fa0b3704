#pragma once

#include "testclient/ChildProcess.hpp"
#include "testclient/RestClient.hpp"
#include "testclient/TemporaryDirectory.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plenum::test {

class WsClient;

// A plenum server started for a test: on free HTTP and HTTPS ports, bound to
// loopback, with ICE on loopback, a small composite and a data directory of
// its own (removed with it). Stopped (SIGTERM, then SIGKILL after 10 s) when
// destroyed. See ChildProcess for the thread it must start from.
class ServerProcess {
 public:
  static constexpr const char* kHost = "127.0.0.1";

  // Runs $PLENUM_BIN --port=0 --tls-port=0 --data-dir=TEMPORARY
  // --recordings-dir=TEMPORARY/recordings --bind=127.0.0.1 --ice-local-address=127.0.0.1 --video-width=640
  // --video-height=360 EXTRA... (an option EXTRA gives replaces the
  // default) and waits for its "plenum: listening on
  // http://127.0.0.1:PORT" line (and the https one, unless EXTRA says
  // --tls-port=off). Throws
  // std::runtime_error, with the server's output, if PLENUM_BIN is unset or
  // the server exits or stays silent for readyTimeout.
  // `wrapper`: a command that runs the server (the binary and its
  // arguments follow it), e.g. to give it a mount namespace of its own.
  explicit ServerProcess(std::vector<std::string> extraArgs = {},
                         std::chrono::milliseconds readyTimeout = std::chrono::seconds(20),
                         std::vector<std::string> wrapper = {});
  ~ServerProcess() = default;

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t Port() const { return port_; }
  // The HTTPS port; 0 when started with --tls-port=off.
  std::uint16_t TlsPort() const { return tlsPort_; }
  // The process, for waits on its output.
  const ChildProcess& Process() const { return *process_; }
  // The server's --data-dir (EXTRA's, when it gives one).
  const std::string& DataDir() const { return dataDirArgument_; }
  // The server's --recordings-dir (EXTRA's, when it gives one).
  const std::string& RecordingsDir() const { return recordingsDirArgument_; }
  pid_t Pid() const { return process_->Pid(); }
  bool Running() const { return process_->Running(); }
  // The tail of the server's stdout and stderr, for assertion messages.
  std::string OutputTail(std::size_t bytes = 4096) const { return process_->OutputTail(bytes); }

  RestClient& Rest() { return rest_; }
  HttpResult Get(const std::string& path) const { return rest_.Get(path); }
  HttpResult Post(const std::string& path, const std::string& jsonBody) const { return rest_.Post(path, jsonBody); }
  HttpResult Delete(const std::string& path) const { return rest_.Delete(path); }

  // A signaling connection to /ws. Throws Poco::Exception.
  std::unique_ptr<WsClient> Connect() const;

  // Stops the server: SIGTERM, then SIGKILL after `grace`.
  ChildProcess::Exit Stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    return process_->Terminate(grace);
  }

  // The server binary named by PLENUM_BIN; throws if unset.
  static std::string BinaryFromEnvironment();
  // The port in a "plenum: listening on SCHEME://HOST:PORT" line, or 0.
  static std::uint16_t ParseListeningPort(const std::string& line, const std::string& scheme = "http");

 private:
  TemporaryDirectory dataDir_;  // outlives the server process, which writes into it
  std::string dataDirArgument_;
  std::string recordingsDirArgument_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  std::uint16_t tlsPort_ = 0;
  RestClient rest_;
};

}  // namespace plenum::test
