#include "RtmpServer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace plenum::bench {

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

// Whether something accepts TCP connections on the loopback port.
bool Accepts(std::uint16_t port)
{
	const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address.sin_port = htons(port);
	const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
	::close(fd);
	return connected;
}

} // namespace

RtmpServer::RtmpServer(const std::string& directory, int core)
{
	if (::access(kNginx, X_OK) != 0 || ::access(kRtmpModule, R_OK) != 0)
		throw std::runtime_error(std::string(kNginx) + " or " + kRtmpModule +
			" missing: apt-get install -y nginx-light libnginx-mod-rtmp (scripts/setup.sh --tests)");
	std::filesystem::create_directories(directory);
	// FreePort() may hand out a port another process takes first: try again.
	for (int attempt = 0; attempt < 5; ++attempt)
		if (TryStart(directory, core))
			return;
	throw std::runtime_error("nginx did not start: " + LogTail());
}

std::string RtmpServer::Url(const std::string& stream) const
{
	return "rtmp://127.0.0.1:" + std::to_string(port_) + "/live/" + stream;
}

bool RtmpServer::TryStart(const std::string& directory, int core)
{
	port_ = FreePort();
	const std::string conf = directory + "/nginx.conf";
	// wait_key: a viewer's stream starts at a keyframe, as a player's would.
	std::ofstream(conf) << "load_module " << kRtmpModule << ";\n"
			    << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
			    << "pid " << directory << "/nginx.pid;\n"
			    << "error_log stderr info;\n"
			    << "events { worker_connections 64; }\n"
			    << "rtmp { server { listen 127.0.0.1:" << port_ << "; chunk_size 4096;\n"
			    << "  application live { live on; record off; wait_key on; } } }\n";
	process_ = std::make_unique<ChildServer>(kNginx, std::vector<std::string>{"-p", directory, "-c", conf, "-e", "stderr"},
		directory + "/nginx.log", core);
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (std::chrono::steady_clock::now() < deadline) {
		if (!process_->Running())
			return false; // e.g. the port was taken after all
		if (Accepts(port_))
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	process_->Stop();
	return false;
}

} // namespace plenum::bench
