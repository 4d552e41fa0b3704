#include "BroadcastApi.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace plenum::bench {

BroadcastApi::BroadcastApi(std::string host, std::uint16_t port, std::string room)
	: host_(std::move(host)), port_(port), room_(std::move(room))
{
}

std::pair<int, std::string> BroadcastApi::Request(const std::string& method, const std::string& path, const std::string& body)
{
	Poco::Net::HTTPClientSession session(host_, port_);
	session.setTimeout(Poco::Timespan(10, 0));
	Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
	if (!body.empty()) {
		request.setContentType("application/json");
		request.setContentLength(std::streamsize(body.size()));
	}
	session.sendRequest(request) << body;
	Poco::Net::HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	return {int(response.getStatus()), text};
}

std::string BroadcastApi::Start(const std::string& body)
{
	const auto [status, text] = Request("POST", "/api/v1/rooms/" + room_ + "/broadcasts", body);
	if (status != 201)
		throw std::runtime_error("POST broadcasts " + body + ": " + std::to_string(status) + " " + text);
	Poco::JSON::Parser parser;
	return parser.parse(text).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");
}

std::string BroadcastApi::State(const std::string& id)
{
	const auto [status, text] = Request("GET", "/api/v1/rooms/" + room_ + "/broadcasts");
	if (status != 200)
		return "";
	Poco::JSON::Parser parser;
	const auto list = parser.parse(text).extract<Poco::JSON::Object::Ptr>()->getArray("broadcasts");
	for (std::size_t i = 0; list && i < list->size(); ++i) {
		const auto broadcast = list->getObject(unsigned(i));
		if (broadcast && broadcast->optValue<std::string>("id", "") == id)
			return broadcast->optValue<std::string>("state", "");
	}
	return "";
}

bool BroadcastApi::WaitState(const std::string& id, const std::string& state, std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		if (State(id) == state)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	return false;
}

bool BroadcastApi::WaitSegments(int segments, std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		const auto [status, text] = Request("GET", "/hls/" + room_ + "/index.m3u8");
		int count = 0;
		for (auto at = text.find("#EXTINF"); at != std::string::npos; at = text.find("#EXTINF", at + 1))
			++count;
		if (status == 200 && count >= segments)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(200));
	}
	return false;
}

void BroadcastApi::Stop(const std::string& id)
{
	Request("DELETE", "/api/v1/rooms/" + room_ + "/broadcasts/" + id);
}

std::string BroadcastApi::PlaylistUrl() const
{
	return "http://" + host_ + ":" + std::to_string(port_) + "/hls/" + room_ + "/index.m3u8";
}

} // namespace plenum::bench
