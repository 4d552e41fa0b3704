#include "PlenumLink.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

#include <sstream>

namespace plenum::bench {

namespace {

std::string ToJson(const Poco::JSON::Object& object)
{
	std::ostringstream out;
	object.stringify(out);
	return out.str();
}

} // namespace

PlenumLink::PlenumLink(const std::string& host, std::uint16_t port, Bot& bot) : bot_(bot)
{
	session_ = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
	session_->setTimeout(Poco::Timespan(10, 0));
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/ws", Poco::Net::HTTPMessage::HTTP_1_1);
	Poco::Net::HTTPResponse response;
	socket_ = std::make_unique<Poco::Net::WebSocket>(*session_, request, response);
	socket_->setReceiveTimeout(Poco::Timespan(0, 200000));

	bot_.onLocalDescription = [this](const std::string& type, const std::string& sdp) {
		Poco::JSON::Object message;
		message.set("type", type);
		message.set("sdp", sdp);
		Send(ToJson(message));
	};
	bot_.onLocalCandidate = [this](unsigned mline, const std::string& candidate) {
		Poco::JSON::Object message;
		message.set("type", "candidate");
		message.set("candidate", candidate);
		message.set("sdpMid", std::to_string(mline));
		message.set("sdpMLineIndex", mline);
		Send(ToJson(message));
	};
	reader_ = std::thread([this] { ReadLoop(); });
}

PlenumLink::~PlenumLink()
{
	bot_.onLocalDescription = nullptr;
	bot_.onLocalCandidate = nullptr;
	stopping_ = true;
	if (reader_.joinable())
		reader_.join();
	try {
		socket_->shutdown();
	} catch (...) {
	}
}

void PlenumLink::Send(const std::string& text)
{
	std::lock_guard lock(sendMutex_);
	try {
		socket_->sendFrame(text.data(), int(text.size()), Poco::Net::WebSocket::FRAME_TEXT);
	} catch (const Poco::Exception& e) {
		std::lock_guard errorLock(mutex_);
		if (error_.empty())
			error_ = "send: " + e.displayText();
	}
}

bool PlenumLink::Join(const std::string& room, std::chrono::milliseconds timeout)
{
	Poco::JSON::Object join;
	join.set("type", "join");
	join.set("room", room);
	join.set("name", bot_.Options().name);
	bot_.MarkJoinSent(Clock::now());
	Send(ToJson(join));
	{
		std::unique_lock lock(mutex_);
		if (!changed_.wait_for(lock, timeout, [&] { return joined_ || !error_.empty(); })) {
			error_ = "no joined within timeout";
			return false;
		}
		if (!joined_)
			return false;
	}
	bot_.CreateOffer();
	return true;
}

void PlenumLink::Leave()
{
	Send("{\"type\":\"leave\"}");
}

std::string PlenumLink::Error()
{
	std::lock_guard lock(mutex_);
	return error_;
}

void PlenumLink::ReadLoop()
{
	std::string buffer(70000, '\0');
	std::string message;
	while (!stopping_) {
		int flags = 0;
		int n = 0;
		try {
			n = socket_->receiveFrame(buffer.data(), int(buffer.size()), flags);
		} catch (const Poco::TimeoutException&) {
			continue;
		} catch (const Poco::Exception& e) {
			std::lock_guard lock(mutex_);
			if (error_.empty() && !stopping_)
				error_ = "socket: " + e.displayText();
			changed_.notify_all();
			return;
		}
		const int opcode = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
		if (n <= 0 || opcode == Poco::Net::WebSocket::FRAME_OP_CLOSE)
			return;
		if (opcode == Poco::Net::WebSocket::FRAME_OP_PING) {
			std::lock_guard lock(sendMutex_);
			socket_->sendFrame(buffer.data(), n, int(Poco::Net::WebSocket::FRAME_FLAG_FIN) | int(Poco::Net::WebSocket::FRAME_OP_PONG));
			continue;
		}
		message.append(buffer.data(), std::size_t(n));
		if (!(flags & Poco::Net::WebSocket::FRAME_FLAG_FIN))
			continue;
		try {
			Poco::JSON::Parser parser;
			auto object = parser.parse(message).extract<Poco::JSON::Object::Ptr>();
			message.clear();
			const std::string type = object->optValue<std::string>("type", "");
			if (type == "joined") {
				std::lock_guard lock(mutex_);
				joined_ = true;
				changed_.notify_all();
			} else if (type == "answer") {
				bot_.SetRemote("answer", object->getValue<std::string>("sdp"));
			} else if (type == "candidate") {
				bot_.AddCandidate(object->optValue<unsigned>("sdpMLineIndex", 0), object->optValue<std::string>("candidate", ""));
			} else if (type == "error") {
				std::lock_guard lock(mutex_);
				if (error_.empty())
					error_ = "server error: " + object->optValue<std::string>("code", "?") + ": " +
						object->optValue<std::string>("message", "");
				changed_.notify_all();
			}
		} catch (const Poco::Exception& e) {
			message.clear();
		}
	}
}

} // namespace plenum::bench
