// Real servers a broadcast goes to, each started by a test on a loopback
// port of its own and stopped with it: nginx with Debian's RTMP module, and
// an SRT listener (ffmpeg) that keeps what it receives in a file.
#pragma once

#include "testclient/ChildProcess.hpp"
#include "testclient/TemporaryDirectory.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace plenum::test {

// A loopback port nobody listens on just now (TCP or UDP). Another process
// may take it before the caller does; the servers below retry on a clash.
std::uint16_t FreeLoopbackPort(bool udp);

// nginx with the RTMP module: `live` application, no recording. Stop()
// and Start() again keep the port, as a server that restarts would.
class RtmpServer {
 public:
  RtmpServer();  // started; throws std::runtime_error when it cannot be
  ~RtmpServer();
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  void Start();
  void Stop();
  bool Running() const { return process_ && process_->Running(); }
  std::uint16_t Port() const { return port_; }
  // rtmp://127.0.0.1:PORT/live/<stream>
  std::string Url(const std::string& stream) const;
  std::string OutputTail() const { return process_ ? process_->OutputTail() : std::string(); }

 private:
  bool TryStart();

  TemporaryDirectory directory_{"plenum-nginx"};
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// ffmpeg listening for one SRT caller and copying `seconds` of what it
// sends (MPEG-TS) into a file.
class SrtListener {
 public:
  SrtListener(std::uint16_t port, const std::string& file, int seconds);
  ~SrtListener() = default;
  // Waits for ffmpeg to finish; its exit status, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  std::string OutputTail() const { return process_.OutputTail(); }

 private:
  ChildProcess process_;
};

}  // namespace plenum::test
