#include "support/TurnServer.hpp"

#include "support/StreamServers.hpp"
#include "testclient/TimeoutScale.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTurnServer = "/usr/bin/turnserver";  // Debian's coturn

}  // namespace

TurnServer::TurnServer(Options options) : options_(std::move(options)) {
  port_ = FreeLoopbackPort(true);
  const std::string dir = directory_.Path();
  std::vector<std::string> args;
  if (options_.configFile.empty()) {
    args.push_back("-n");
  } else {
    std::ifstream in(options_.configFile);
    if (!in) throw std::runtime_error("cannot read " + options_.configFile);
    std::ofstream out(dir + "/turnserver.conf");
    for (std::string line; std::getline(in, line);)
      if (line != "syslog") out << line << "\n";
    args.insert(args.end(), {"-c", dir + "/turnserver.conf"});
  }
  args.insert(args.end(), {
      // Loopback only: clients, relays and peers. coturn refuses loopback
      // peers unless told (a relay into its own host is dangerous on a real
      // box); the test's peers are plenum and the clients, on 127.0.0.1.
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      "--listening-port=" + std::to_string(port_),
      "--min-port=" + std::to_string(options_.relayPortMin),
      "--max-port=" + std::to_string(options_.relayPortMax),
      "--allow-loopback-peers",
      "--no-multicast-peers",
      // Long-term credentials, one user.
      "--lt-cred-mech",
      "--user=" + options_.user + ":" + options_.password,
      "--realm=plenum.test",
      "--fingerprint",
      // Nothing but TURN over UDP and TCP: no TLS, DTLS, CLI or web admin.
      "--no-tls",
      "--no-dtls",
      "--no-cli",
      // Every file in the test's directory; the log verbose, one file.
      "--log-file=" + dir + "/turn.log",
      "--simple-log",
      "--pidfile=" + dir + "/turn.pid",
      "--db=" + dir + "/turndb",
      "--verbose",
  });
  args.insert(args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  process_ = std::make_unique<ChildProcess>(kTurnServer, args);
  // With a log file, coturn says nothing more on stdout: it is ready once
  // the log has its UDP listener (opened after the TCP ones and the relays).
  const std::string udpReady = "UDP listener opened on: 127.0.0.1:" + std::to_string(port_);
  if (!WaitForLog([&](const std::string& log) { return log.find(udpReady) != std::string::npos || !process_->Running(); },
                  10s) ||
      !process_->Running()) {
    const std::string output = process_->OutputTail() + Log();
    process_->Terminate(2s);
    throw std::runtime_error("coturn did not start on port " + std::to_string(port_) + ":\n" + output);
  }
}

TurnServer::~TurnServer() {
  if (process_) process_->Terminate(5s);
}

std::string TurnServer::Url() const { return UrlWithPassword(options_.password); }

std::string TurnServer::UrlWithPassword(const std::string& password) const {
  return "turn://" + options_.user + ":" + password + "@127.0.0.1:" + std::to_string(port_);
}

std::string TurnServer::Log() const {
  std::ifstream in(directory_.Path() + "/turn.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool TurnServer::WaitForLog(const std::function<bool(const std::string&)>& done,
                            std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  while (!done(Log())) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

}  // namespace plenum::test
