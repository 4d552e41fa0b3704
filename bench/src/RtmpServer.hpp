#pragma once

#include "ChildServer.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace plenum::bench {

// nginx with Debian's RTMP module (libnginx-mod-rtmp) on a free loopback
// port: one `live` application, no recording, one process in the
// foreground, its files under `directory`, pinned to `core` (the bots',
// so that the server's core measures the server only). Stopped with us.
class RtmpServer {
public:
	RtmpServer(const std::string& directory, int core); // started; throws when it cannot be
	~RtmpServer() = default;
	RtmpServer(const RtmpServer&) = delete;
	RtmpServer& operator=(const RtmpServer&) = delete;

	// rtmp://127.0.0.1:PORT/live/<stream>
	std::string Url(const std::string& stream) const;
	std::string LogTail() const { return process_ ? process_->LogTail() : std::string(); }

private:
	bool TryStart(const std::string& directory, int core);

	std::uint16_t port_ = 0;
	std::unique_ptr<ChildServer> process_;
};

} // namespace plenum::bench
