#pragma once

#include "Bot.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/WebSocket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace plenum::bench {

// Carries one Bot's negotiation to a plenum server over PROTOCOL.md section 1:
// join, offer, trickled candidates both ways, leave.
class PlenumLink {
public:
	PlenumLink(const std::string& host, std::uint16_t port, Bot& bot);
	~PlenumLink();
	PlenumLink(const PlenumLink&) = delete;
	PlenumLink& operator=(const PlenumLink&) = delete;

	// Sends join (stamping the bot's join time), waits for joined, then offers.
	// False (with Error()) on error reply or timeout.
	bool Join(const std::string& room, std::chrono::milliseconds timeout);
	void Leave();
	std::string Error();

private:
	void Send(const std::string& text);
	void ReadLoop();

	// Passed by argument.
	Bot& bot_;

	// Owned.
	std::unique_ptr<Poco::Net::HTTPClientSession> session_;
	std::unique_ptr<Poco::Net::WebSocket> socket_;
	std::thread reader_;

	// Others.
	std::atomic<bool> stopping_{false};
	std::mutex sendMutex_;
	std::mutex mutex_;
	std::condition_variable changed_;
	bool joined_ = false;
	std::string error_;
};

} // namespace plenum::bench
