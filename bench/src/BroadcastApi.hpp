#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace plenum::bench {

// A room's broadcasts through plenum's REST API (PROTOCOL.md section 2):
// POST, GET and DELETE /api/v1/rooms/{room}/broadcasts, and the HLS
// playlist the server serves. Every call is bounded (10 s per request).
class BroadcastApi {
public:
	BroadcastApi(std::string host, std::uint16_t port, std::string room);

	// Starts one ({"kind":"rtmp","url":...} or {"kind":"hls"}); its id.
	// Throws with the server's answer when it is not 201.
	std::string Start(const std::string& body);
	// Its state in the room's list ("starting", "live", ...); "" when it is not listed.
	std::string State(const std::string& id);
	// Waits for `state`; false on timeout.
	bool WaitState(const std::string& id, const std::string& state, std::chrono::milliseconds timeout);
	// Waits for the room's HLS playlist to list `segments` segments.
	bool WaitSegments(int segments, std::chrono::milliseconds timeout);
	void Stop(const std::string& id);
	std::string PlaylistUrl() const;

private:
	// Status and body of one request.
	std::pair<int, std::string> Request(const std::string& method, const std::string& path, const std::string& body = "");

	const std::string host_;
	const std::uint16_t port_;
	const std::string room_;
};

} // namespace plenum::bench
