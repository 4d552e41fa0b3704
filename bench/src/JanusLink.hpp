#pragma once

#include "Bot.hpp"

#include <Poco/JSON/Object.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace plenum::bench {

// Janus AudioBridge over Janus's HTTP REST API: one session, one handle per
// bot, one long-poll thread for every event. The bot offers (non-trickle,
// candidates in the SDP) with its join; AudioBridge answers in an event.
class JanusLink {
public:
	JanusLink(const std::string& host, std::uint16_t port);
	~JanusLink();
	JanusLink(const JanusLink&) = delete;
	JanusLink& operator=(const JanusLink&) = delete;

	// Polls GET /janus/info until Janus answers; false on timeout.
	static bool WaitReady(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
	// Creates an AudioBridge room (48 kHz) through a handle of its own.
	void CreateRoom(std::uint64_t room);
	// Attaches a handle, gathers, joins with the offer; returns when the
	// answer is applied. False with Error() on failure or timeout.
	bool Join(std::uint64_t room, Bot& bot, std::chrono::milliseconds timeout);
	std::string Error();
	// Stops the poller; call once Janus is gone or before destruction.
	void Stop();

private:
	Poco::JSON::Object::Ptr Post(const std::string& path, Poco::JSON::Object& body);
	std::uint64_t Attach();
	void PollLoop();
	void HandleEvent(const Poco::JSON::Object::Ptr& event);

	std::string host_;
	std::uint16_t port_;
	std::uint64_t session_ = 0;
	std::thread poller_;
	std::atomic<bool> stopping_{false};
	std::atomic<std::uint64_t> transaction_{0};
	std::mutex mutex_;
	std::condition_variable changed_;
	std::map<std::uint64_t, Bot*> bots_;      // handle -> bot
	std::map<std::uint64_t, bool> answered_;  // handle -> answer applied
	std::string error_;
};

} // namespace plenum::bench
