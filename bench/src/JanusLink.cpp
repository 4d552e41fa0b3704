#include "JanusLink.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace plenum::bench {

namespace {

Poco::Dynamic::Var Request(const std::string& host, std::uint16_t port, const std::string& method, const std::string& path,
	const std::string& body, int timeoutSeconds)
{
	Poco::Net::HTTPClientSession session(host, port);
	session.setTimeout(Poco::Timespan(timeoutSeconds, 0));
	Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
	if (!body.empty()) {
		request.setContentType("application/json");
		request.setContentLength(std::streamsize(body.size()));
	}
	std::ostream& out = session.sendRequest(request);
	out << body;
	Poco::Net::HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
		throw std::runtime_error("janus " + path + ": HTTP " + std::to_string(int(response.getStatus())) + " " + text);
	Poco::JSON::Parser parser;
	return parser.parse(text);
}

std::string ToJson(const Poco::JSON::Object& object)
{
	std::ostringstream out;
	object.stringify(out);
	return out.str();
}

} // namespace

bool JanusLink::WaitReady(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout)
{
	const auto deadline = Clock::now() + timeout;
	while (Clock::now() < deadline) {
		try {
			Request(host, port, "GET", "/janus/info", "", 2);
			return true;
		} catch (const std::exception&) {
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		}
	}
	return false;
}

JanusLink::JanusLink(const std::string& host, std::uint16_t port) : host_(host), port_(port)
{
	Poco::JSON::Object create;
	create.set("janus", "create");
	auto reply = Post("/janus", create);
	session_ = reply->getObject("data")->getValue<std::uint64_t>("id");
	poller_ = std::thread([this] { PollLoop(); });
}

JanusLink::~JanusLink()
{
	Stop();
}

void JanusLink::Stop()
{
	if (stopping_.exchange(true))
		return;
	try {
		Poco::JSON::Object destroy;
		destroy.set("janus", "destroy");
		Post("/janus/" + std::to_string(session_), destroy);
	} catch (...) {
	}
	if (poller_.joinable())
		poller_.join();
}

Poco::JSON::Object::Ptr JanusLink::Post(const std::string& path, Poco::JSON::Object& body)
{
	body.set("transaction", "t" + std::to_string(++transaction_));
	if (std::getenv("BENCH_DEBUG_SDP"))
		std::fprintf(stderr, "POST %s\n", ToJson(body).c_str());
	auto reply = Request(host_, port_, "POST", path, ToJson(body), 10).extract<Poco::JSON::Object::Ptr>();
	const std::string janus = reply->optValue<std::string>("janus", "");
	if (janus == "error")
		throw std::runtime_error("janus error on " + path + ": " + ToJson(*reply));
	return reply;
}

std::uint64_t JanusLink::Attach()
{
	Poco::JSON::Object attach;
	attach.set("janus", "attach");
	attach.set("plugin", "janus.plugin.audiobridge");
	return Post("/janus/" + std::to_string(session_), attach)->getObject("data")->getValue<std::uint64_t>("id");
}

void JanusLink::CreateRoom(std::uint64_t room)
{
	const std::uint64_t handle = Attach();
	Poco::JSON::Object body;
	body.set("request", "create");
	body.set("room", room);
	body.set("sampling_rate", 48000);
	body.set("permanent", false);
	Poco::JSON::Object message;
	message.set("janus", "message");
	message.set("body", body);
	auto reply = Post("/janus/" + std::to_string(session_) + "/" + std::to_string(handle), message);
	auto data = reply->getObject("plugindata")->getObject("data");
	if (data->optValue<std::string>("audiobridge", "") != "created")
		throw std::runtime_error("audiobridge create: " + ToJson(*data));
}

bool JanusLink::Join(std::uint64_t room, Bot& bot, std::chrono::milliseconds timeout)
{
	const auto deadline = Clock::now() + timeout;
	try {
		bot.MarkJoinSent(Clock::now());
		const std::uint64_t handle = Attach();
		{
			std::lock_guard lock(mutex_);
			bots_[handle] = &bot;
		}
		bot.CreateOffer();
		if (!bot.WaitGatheringComplete(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) {
			std::lock_guard lock(mutex_);
			error_ = "ICE gathering did not complete: " + bot.Error();
			return false;
		}
		Poco::JSON::Object body;
		body.set("request", "join");
		body.set("room", room);
		body.set("display", bot.Options().name);
		Poco::JSON::Object jsep;
		jsep.set("type", "offer");
		const std::string sdp = bot.LocalSdp();
		if (std::getenv("BENCH_DEBUG_SDP"))
			std::fprintf(stderr, "offer to janus:\n%s\n", sdp.c_str());
		jsep.set("sdp", sdp);
		jsep.set("trickle", false);
		Poco::JSON::Object message;
		message.set("janus", "message");
		message.set("body", body);
		message.set("jsep", jsep);
		Post("/janus/" + std::to_string(session_) + "/" + std::to_string(handle), message);
		std::unique_lock lock(mutex_);
		if (!changed_.wait_until(lock, deadline, [&] { return answered_[handle] || !error_.empty(); })) {
			error_ = "no answer from AudioBridge";
			return false;
		}
		return answered_[handle];
	} catch (const std::exception& e) {
		std::lock_guard lock(mutex_);
		error_ = e.what();
		return false;
	}
}

std::string JanusLink::Error()
{
	std::lock_guard lock(mutex_);
	return error_;
}

void JanusLink::PollLoop()
{
	const std::string path = "/janus/" + std::to_string(session_) + "?maxev=20";
	while (!stopping_) {
		try {
			auto reply = Request(host_, port_, "GET", path, "", 40);
			if (reply.type() == typeid(Poco::JSON::Array::Ptr)) {
				auto events = reply.extract<Poco::JSON::Array::Ptr>();
				for (std::size_t i = 0; i < events->size(); ++i)
					HandleEvent(events->getObject(unsigned(i)));
			} else {
				HandleEvent(reply.extract<Poco::JSON::Object::Ptr>());
			}
		} catch (const std::exception& e) {
			if (stopping_)
				return;
			std::this_thread::sleep_for(std::chrono::milliseconds(100)); // Janus restarting or gone: bounded by stopping_
		}
	}
}

void JanusLink::HandleEvent(const Poco::JSON::Object::Ptr& event)
{
	if (!event)
		return;
	const std::uint64_t sender = event->optValue<std::uint64_t>("sender", 0);
	Bot* bot = nullptr;
	{
		std::lock_guard lock(mutex_);
		auto it = bots_.find(sender);
		if (it != bots_.end())
			bot = it->second;
	}
	if (!bot)
		return;
	if (event->has("jsep")) {
		auto jsep = event->getObject("jsep");
		if (std::getenv("BENCH_DEBUG_SDP"))
			std::fprintf(stderr, "janus answer:\n%s\n", jsep->getValue<std::string>("sdp").c_str());
		bot->SetRemote(jsep->getValue<std::string>("type"), jsep->getValue<std::string>("sdp"));
		std::lock_guard lock(mutex_);
		answered_[sender] = true;
		changed_.notify_all();
	} else if (event->has("plugindata")) {
		auto data = event->getObject("plugindata")->getObject("data");
		if (data->has("error")) {
			std::lock_guard lock(mutex_);
			error_ = "audiobridge: " + data->optValue<std::string>("error", "?");
			changed_.notify_all();
		}
	}
}

} // namespace plenum::bench
