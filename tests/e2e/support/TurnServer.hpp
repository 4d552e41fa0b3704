// A real TURN server for a test: Debian's coturn (`turnserver`) on a
// loopback port of its own, with one long-term user, started by the
// constructor and stopped by the destructor whatever the test did.
#pragma once

#include "testclient/ChildProcess.hpp"
#include "testclient/TemporaryDirectory.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace plenum::test {

class TurnServer {
 public:
  struct Options {
    std::string user = "plenum";
    std::string password = "relay-secret";
    // A turnserver.conf to start from (-c), less any `syslog` line (coturn
    // would log there, not to the test's file); the command line wins over
    // it for ports, addresses, users and files. Empty: no configuration
    // file at all (-n), not even /etc/turnserver.conf.
    std::string configFile;
    // More command-line options, after the test's own.
    std::vector<std::string> extraArgs;
    // Relay (allocation) ports; a range of its own, apart from the ICE
    // ports the server under test is given.
    std::uint16_t relayPortMin = 40000;
    std::uint16_t relayPortMax = 40999;
  };

  // Started and listening on UDP and TCP; throws std::runtime_error with
  // coturn's output when it does not come up.
  explicit TurnServer(Options options);
  ~TurnServer();
  TurnServer(const TurnServer&) = delete;
  TurnServer& operator=(const TurnServer&) = delete;

  std::uint16_t Port() const { return port_; }
  const Options& GetOptions() const { return options_; }
  // turn://USER:PASS@127.0.0.1:PORT, as plenum's turn-servers takes it.
  std::string Url() const;
  // The same with another password (for a client that has it wrong).
  std::string UrlWithPassword(const std::string& password) const;

  // coturn's log file (verbose), as written so far.
  std::string Log() const;
  // Waits until `done` holds for the log; false on timeout.
  bool WaitForLog(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds timeout) const;
  std::string OutputTail() const { return process_ ? process_->OutputTail() : std::string(); }

 private:
  Options options_;
  TemporaryDirectory directory_{"plenum-coturn"};
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace plenum::test
