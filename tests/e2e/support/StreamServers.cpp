#include "support/StreamServers.hpp"

#include "testclient/TimeoutScale.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";

// Whether something accepts TCP connections on the loopback port.
bool Accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

}  // namespace

std::uint16_t FreeLoopbackPort(bool udp) {
  const int fd = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

RtmpServer::RtmpServer() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreeLoopbackPort(false);
    if (TryStart()) return;
  }
  throw std::runtime_error("nginx did not start:\n" + OutputTail());
}

RtmpServer::~RtmpServer() { Stop(); }

std::string RtmpServer::Url(const std::string& stream) const {
  return "rtmp://127.0.0.1:" + std::to_string(port_) + "/live/" + stream;
}

void RtmpServer::Start() {
  if (!TryStart()) throw std::runtime_error("nginx did not start again:\n" + OutputTail());
}

void RtmpServer::Stop() {
  if (process_) process_->Terminate(5s);
}

bool RtmpServer::TryStart() {
  // One process, in the foreground, everything under the test's directory.
  const std::string conf = directory_.Path() + "/nginx.conf";
  std::ofstream(conf) << "load_module " << kRtmpModule << ";\n"
                      << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                      << "pid " << directory_.Path() << "/nginx.pid;\n"
                      << "error_log stderr info;\n"
                      << "events { worker_connections 64; }\n"
                      << "rtmp { server { listen 127.0.0.1:" << port_ << "; chunk_size 4096;\n"
                      << "  application live { live on; record off; } } }\n";
  process_ = std::make_unique<ChildProcess>(
      kNginx, std::vector<std::string>{"-p", directory_.Path(), "-c", conf, "-e", "stderr"});
  const auto deadline = std::chrono::steady_clock::now() + Scaled(10s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->Running()) return false;  // e.g. the port was taken after all
    if (Accepts(port_)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

SrtListener::SrtListener(std::uint16_t port, const std::string& file, int seconds)
    : process_(kFfmpeg, {"-v", "warning", "-y", "-i", "srt://127.0.0.1:" + std::to_string(port) + "?mode=listener",
                         "-t", std::to_string(seconds), "-c", "copy", "-f", "mpegts", file}) {}

int SrtListener::Wait(std::chrono::milliseconds timeout) { return process_.WaitExit(timeout).value_or(-1); }

}  // namespace plenum::test
