// plenum-bench: load generator and measurement driver for one target
// (plenum, janus or the bot-to-bot loopback baseline) over a list of room
// sizes. Writes one JSON object per room size, one per line, to --json.

#include "Bot.hpp"
#include "BroadcastApi.hpp"
#include "BroadcastReader.hpp"
#include "ChildServer.hpp"
#include "JanusLink.hpp"
#include "MarkerLog.hpp"
#include "PlenumLink.hpp"
#include "RtmpServer.hpp"
#include "VoiceLoop.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Exception.h>

#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace plenum::bench;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> gInterrupted{false};

struct Options {
	std::string target = "plenum";
	std::string plenumBin;
	std::string janusBin = "/usr/bin/janus";
	std::string janusPlugins = "/usr/lib/x86_64-linux-gnu/janus";
	std::vector<int> sizes{2};
	int duration = 60;
	int warmup = 3;
	bool video = false;
	bool audioBotsReceiveVideo = false; // audio-only rooms: offer a receive-only video m-line too
	int cameras = 9;
	int decoders = 4;
	int audioDecoders = -1; // bots that decode their audio (the marker's timing, join time); -1: all
	double silentShare = 0.5;
	bool audioLevels = true; // bots send RFC 6464 levels, as browsers do
	AudioSignal signal = AudioSignal::kNoise;
	int serverCore = 0;
	std::vector<int> botCores{1}; // the bench process and its bots; empty: any
	std::string json = "bench-results.jsonl";
	std::string workDir = "/tmp/plenum-bench";
	std::vector<std::string> serverArgs; // extra plenum options, e.g. --encoder-threads=1
	// The engine plenum runs without --media-engine: webrtcbin while the
	// binary offers a choice, native once it is the only one (read from
	// its --help).
	std::string defaultEngine = "webrtcbin";
	bool requireRealtime = false; // exit 1 unless every size kept real time and gave a latency figure
	// plenum only: "rtmp" or "hls" broadcasts the room through the window and
	// times the marker in the broadcast; "none" is the same measurement
	// without it (both with the coded marker). Empty: not a broadcast run.
	std::string broadcast;
};

Options Parse(int argc, char** argv)
{
	Options o;
	for (int i = 1; i < argc; ++i) {
		const std::string arg = argv[i];
		const auto eq = arg.find('=');
		const std::string key = arg.substr(0, eq);
		const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
		if (key == "--target") o.target = value;
		else if (key == "--plenum-bin") o.plenumBin = value;
		else if (key == "--janus-bin") o.janusBin = value;
		else if (key == "--janus-lib") o.janusPlugins = value;
		else if (key == "--sizes") {
			o.sizes.clear();
			std::stringstream list(value);
			std::string item;
			while (std::getline(list, item, ','))
				o.sizes.push_back(std::stoi(item));
		} else if (key == "--duration") o.duration = std::stoi(value);
		else if (key == "--warmup") o.warmup = std::stoi(value);
		else if (key == "--video") o.video = true;
		else if (key == "--receive-composite") o.audioBotsReceiveVideo = true;
		else if (key == "--cameras") o.cameras = std::stoi(value);
		else if (key == "--decoders") o.decoders = std::stoi(value);
		else if (key == "--audio-decoders") o.audioDecoders = std::stoi(value);
		else if (key == "--silent-share") o.silentShare = std::stod(value);
		else if (key == "--no-audio-levels") o.audioLevels = false;
		else if (key == "--signal") o.signal = value == "tone" ? AudioSignal::kTone : AudioSignal::kNoise;
		else if (key == "--server-core") o.serverCore = std::stoi(value);
		else if (key == "--bot-core") {
			o.botCores.clear();
			std::stringstream list(value);
			std::string item;
			while (std::getline(list, item, ','))
				if (std::stoi(item) >= 0)
					o.botCores.push_back(std::stoi(item));
		} else if (key == "--json") o.json = value;
		else if (key == "--require-realtime") o.requireRealtime = true;
		else if (key == "--server-arg") o.serverArgs.push_back(value);
		else if (key == "--work-dir") o.workDir = value;
		else if (key == "--broadcast") {
			if (value != "none" && value != "rtmp" && value != "hls")
				throw std::runtime_error("--broadcast takes none, rtmp or hls");
			o.broadcast = value;
		}
		else if (key == "--help") {
			std::cout << "plenum-bench --target=plenum|janus|loopback [--plenum-bin=PATH] [--janus-bin=PATH]\n"
				     "  [--sizes=2,4,8] [--duration=60] [--warmup=3] [--video] [--receive-composite] [--cameras=9] [--decoders=4]\n"
				     "  [--audio-decoders=-1]\n"
				     "  [--silent-share=0.5] [--no-audio-levels] [--signal=noise|tone] [--server-core=0] [--bot-core=1 | --bot-core=1,2]\n"
				     "  [--json=FILE] [--work-dir=DIR] [--require-realtime] [--server-arg=--encoder-threads=1 ...]\n"
				     "  [--broadcast=none|rtmp|hls]   plenum: broadcast the room (RTMP to a local nginx, or HLS) and time\n"
				     "                                the marker in it; none: the same run without (see README.md)\n"
				     "  --silent-share: the share of bots other than the marker that send silence (0: everyone talks)\n"
				     "  --no-audio-levels: bots send no RFC 6464 audio levels (browsers always do)\n"
				     "  --audio-decoders=K: only K bots besides the marker decode their audio, spread over the join order\n"
				     "                      (latency and join time are theirs; the others count packets); -1: all\n"
				     "  --server-arg=--media-engine=native: plenum's own transport and audio engine\n";
			std::exit(0);
		} else
			throw std::runtime_error("unknown option " + arg);
	}
	return o;
}

// Feeds every registered bot 20 ms of audio every 20 ms.
class AudioPacer {
public:
	AudioPacer() : thread_([this] { Run(); }) {}
	~AudioPacer()
	{
		stop_ = true;
		thread_.join();
	}
	void Add(Bot* bot)
	{
		std::lock_guard lock(mutex_);
		bots_.push_back(bot);
	}
	void Clear()
	{
		std::lock_guard lock(mutex_);
		bots_.clear();
	}

private:
	void Run()
	{
		auto next = Clock::now();
		std::uint64_t frame = 0;
		while (!stop_) {
			next += 20ms;
			std::this_thread::sleep_until(next);
			const auto now = Clock::now();
			std::lock_guard lock(mutex_);
			for (Bot* bot : bots_)
				bot->PushAudioFrame(frame, now);
			++frame;
		}
	}
	std::atomic<bool> stop_{false};
	std::mutex mutex_;
	std::vector<Bot*> bots_;
	std::thread thread_;
};

double Percentile(std::vector<double> values, double p)
{
	if (values.empty())
		return NAN;
	std::sort(values.begin(), values.end());
	const double rank = p / 100.0 * double(values.size() - 1);
	const auto low = std::size_t(std::floor(rank));
	const auto high = std::min(values.size() - 1, low + 1);
	return values[low] + (values[high] - values[low]) * (rank - double(low));
}

// Poco writes NaN as bare `nan`, which is not JSON: leave such fields out.
void SetNumber(Poco::JSON::Object& object, const std::string& key, double value)
{
	if (std::isfinite(value))
		object.set(key, value);
}

Poco::JSON::Array::Ptr ToArray(const std::vector<double>& values)
{
	Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
	for (double v : values)
		array->add(std::round(v * 100.0) / 100.0);
	return array;
}

bool SleepInterruptible(std::chrono::milliseconds total)
{
	const auto end = Clock::now() + total;
	while (Clock::now() < end) {
		if (gInterrupted)
			return false;
		std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms,
			std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()) + 1ms));
	}
	return !gInterrupted;
}

std::string WriteJanusConfig(const Options& o, const std::string& dir, std::uint16_t httpPort, const std::string& interface)
{
	std::filesystem::create_directories(dir + "/plugins");
	std::filesystem::create_directories(dir + "/transports");
	std::filesystem::create_directories(dir + "/empty");
	auto link = [&](const std::string& from, const std::string& to) {
		std::error_code ec;
		std::filesystem::remove(to, ec);
		std::filesystem::create_symlink(from, to);
	};
	// Only the AudioBridge plugin and the HTTP transport are visible to it.
	link(o.janusPlugins + "/plugins/libjanus_audiobridge.so", dir + "/plugins/libjanus_audiobridge.so");
	link(o.janusPlugins + "/transports/libjanus_http.so", dir + "/transports/libjanus_http.so");
	std::ofstream(dir + "/janus.jcfg")
		<< "general: {\n  configs_folder = \"" << dir << "\"\n  plugins_folder = \"" << dir << "/plugins\"\n"
		<< "  transports_folder = \"" << dir << "/transports\"\n  events_folder = \"" << dir << "/empty\"\n"
		<< "  loggers_folder = \"" << dir << "/empty\"\n  debug_level = 3\n  session_timeout = 0\n"
		<< "  admin_secret = \"bench\"\n}\n"
		<< "certificates: {}\nmedia: {\n  ipv6 = false\n  rtp_port_range = \"20000-40000\"\n}\n"
		<< "nat: {\n  ice_enforce_list = \"" << interface << "\"\n  ice_lite = false\n  full_trickle = false\n  nice_debug = false\n}\n"
		<< "plugins: {}\ntransports: {}\nevents: { broadcast = false }\nloggers: {}\n";
	std::ofstream(dir + "/janus.transport.http.jcfg")
		<< "general: {\n  json = \"indented\"\n  base_path = \"/janus\"\n  http = true\n  port = " << httpPort
		<< "\n  ip = \"127.0.0.1\"\n  https = false\n}\nadmin: {\n  admin_base_path = \"/admin\"\n  admin_http = false\n}\n"
		<< "cors: {}\ncertificates: {}\n";
	std::ofstream(dir + "/janus.plugin.audiobridge.jcfg") << "general: {\n}\n";
	return dir + "/janus.jcfg";
}

struct Participant {
	std::unique_ptr<Bot> bot;
	std::unique_ptr<PlenumLink> plenum;
};

// The room's broadcast during one measurement and the viewers that watch it.
struct Broadcast {
	std::unique_ptr<RtmpServer> rtmp;
	std::unique_ptr<BroadcastApi> api;
	std::string id;
	std::vector<std::unique_ptr<BroadcastReader>> readers;

	// Viewers first, then the broadcast, then its server.
	void Stop()
	{
		readers.clear();
		if (api && !id.empty()) {
			try {
				api->Stop(id);
			} catch (const Poco::Exception&) {
			}
		}
		id.clear();
		rtmp.reset();
	}
	~Broadcast() { Stop(); }
};

// Starts the room's broadcast (`kind` rtmp: to a local nginx; hls: served
// by plenum) once everyone has joined, and its viewers: the RTMP stream
// read back from nginx as it arrives; the HLS playlist read as it arrives
// and played as a player would. Returns once every viewer decodes.
void StartBroadcast(Broadcast& broadcast, const Options& o, const std::string& tag, std::uint16_t port, bool video,
	int columns, int rows, Poco::JSON::Object& result)
{
	broadcast.api = std::make_unique<BroadcastApi>("127.0.0.1", port, "bench");
	std::string body = "{\"kind\":\"hls\"}";
	if (o.broadcast == "rtmp") {
		broadcast.rtmp = std::make_unique<RtmpServer>(o.workDir + "/" + tag + "-nginx", o.botCores.empty() ? -1 : o.botCores.front());
		body = "{\"kind\":\"rtmp\",\"url\":\"" + broadcast.rtmp->Url("bench") + "\"}";
	}
	const auto started = Clock::now();
	broadcast.id = broadcast.api->Start(body);
	if (!broadcast.api->WaitState(broadcast.id, "live", 20s))
		throw std::runtime_error("broadcast not live within 20 s (state: " + broadcast.api->State(broadcast.id) + ")");
	SetNumber(result, "broadcastLiveMs", std::chrono::duration<double, std::milli>(Clock::now() - started).count());
	using Pacing = BroadcastReader::Pacing;
	if (o.broadcast == "rtmp") {
		broadcast.readers.push_back(std::make_unique<BroadcastReader>("rtmp", broadcast.rtmp->Url("bench"), Pacing::kArrival, columns, rows));
	} else {
		// A player joins a broadcast that has been running: the playlist full
		// enough for hlsdemux to start three segments behind its end.
		if (!broadcast.api->WaitSegments(4, 30s))
			throw std::runtime_error("the HLS playlist did not reach 4 segments within 30 s");
		const std::string url = broadcast.api->PlaylistUrl();
		broadcast.readers.push_back(std::make_unique<BroadcastReader>("hls", url, Pacing::kArrival, columns, rows));
		broadcast.readers.push_back(std::make_unique<BroadcastReader>("hls-player", url, Pacing::kPlayer, columns, rows));
	}
	for (auto& reader : broadcast.readers)
		if (!reader->WaitFirstMedia(video, 20s))
			throw std::runtime_error(reader->Name() + " decoded nothing within 20 s: " + reader->Error());
}

// What each viewer of the broadcast saw of the marker in the window [t0, t1].
Poco::JSON::Array::Ptr BroadcastDelays(Broadcast& broadcast, MarkerLog& markers, bool video, Clock::time_point t0, Clock::time_point t1)
{
	Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
	auto inWindow = [&](std::vector<MediaOnset> onsets) {
		onsets.erase(std::remove_if(onsets.begin(), onsets.end(), [&](const MediaOnset& m) { return m.arrival < t0 || m.arrival > t1; }),
			onsets.end());
		return onsets;
	};
	for (auto& reader : broadcast.readers) {
		Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
		entry->set("name", reader->Name());
		entry->set("pacing", reader->GetPacing() == BroadcastReader::Pacing::kPlayer ? "player" : "arrival");
		auto record = [&](const std::string& kind, const std::vector<MarkerLog::TimePoint>& emitted, const std::vector<MediaOnset>& onsets) {
			const CodedMatch match = MatchCodedDelays(emitted, onsets, 250ms);
			entry->set(kind + "Ms", ToArray(match.delaysMs));
			entry->set(kind + "Onsets", int(match.onsets));
			entry->set(kind + "Matched", int(match.matched));
			SetNumber(*entry, kind + "P50", Percentile(match.delaysMs, 50));
			SetNumber(*entry, kind + "P95", Percentile(match.delaysMs, 95));
		};
		record("audio", markers.Audio(), inWindow(reader->AudioOnsets()));
		if (video)
			record("video", markers.Video(), inWindow(reader->VideoOnsets()));
		entry->set("audioBuffers", reader->AudioBuffers());
		entry->set("videoFrames", reader->VideoFrames());
		if (!reader->Error().empty())
			entry->set("error", reader->Error());
		list->add(entry);
	}
	return list;
}

int Grid(int n) { return int(std::ceil(std::sqrt(double(n)))); }

// The room engine a run measures: plenum's --media-engine (its default
// unless told), Janus's AudioBridge, or none for the loopback pair.
std::string EngineOf(const Options& o)
{
	if (o.target == "janus")
		return "audiobridge";
	if (o.target != "plenum")
		return "none";
	std::string engine = o.defaultEngine;
	for (const auto& a : o.serverArgs)
		if (a.rfind("--media-engine=", 0) == 0)
			engine = a.substr(a.find('=') + 1);
	return engine;
}

// Whether `plenum --help` lists --media-engine (webrtcbin, the default, or
// native); a server without it has only its own transport.
bool OffersEngineChoice(const std::string& plenumBin)
{
	const std::string command = "'" + plenumBin + "' --help 2>&1";
	FILE* help = ::popen(command.c_str(), "r");
	if (!help)
		return true;
	std::string text;
	char chunk[4096];
	while (std::size_t n = std::fread(chunk, 1, sizeof chunk, help))
		text.append(chunk, n);
	::pclose(help);
	return text.find("--media-engine") != std::string::npos;
}

std::string ServerArgsText(const Options& o)
{
	std::string joined;
	for (const auto& a : o.serverArgs)
		joined += (joined.empty() ? "" : " ") + a;
	return joined;
}

// The bots' cores' times together (their busy share is of all of them).
std::optional<CoreTimes> ReadCoresTimes(const std::vector<int>& cores)
{
	std::optional<CoreTimes> sum;
	for (int core : cores) {
		const auto times = ReadCoreTimes(core);
		if (!times)
			return std::nullopt;
		if (!sum)
			sum = CoreTimes{};
		sum->busy += times->busy;
		sum->steal += times->steal;
		sum->total += times->total;
	}
	return sum;
}

// After this many failed joins the room is not measured (each waits up to
// 15 s, and an overloaded server fails them all).
constexpr int kMaxJoinFailures = 3;

// One measurement: a fresh server (or none for loopback), N bots, a steady window.
Poco::JSON::Object::Ptr RunOne(const Options& o, int n, AudioPacer& pacer)
{
	MarkerLog markers;
	Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
	const bool loopback = o.target == "loopback";
	const bool janus = o.target == "janus";
	const bool video = o.video && !janus;
	result->set("target", o.target);
	result->set("engine", EngineOf(o));
	result->set("n", loopback ? 2 : n);
	result->set("video", video);
	result->set("cameras", video ? std::min(o.cameras, n) : 0);
	result->set("durationS", o.duration);
	result->set("receiveComposite", !janus && (video || o.audioBotsReceiveVideo));
	if (!o.broadcast.empty())
		result->set("broadcast", o.broadcast);
	std::filesystem::create_directories(o.workDir);

	std::unique_ptr<ChildServer> server;
	std::unique_ptr<JanusLink> janusLink;
	std::string iceAddress = "127.0.0.1";
	std::uint16_t port = 0;
	// Each run's server logs and data apart: plenum-native-audio-8.log,
	// plenum-webrtcbin-audio-32-encoder-threads-1.log, ...
	std::string options;
	for (const auto& a : o.serverArgs) {
		if (a.rfind("--media-engine=", 0) == 0 || a.rfind("--media-threads=", 0) == 0)
			continue;
		for (char c : a)
			if (std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && !options.empty() && options.back() != '-'))
				options += c;
			else if (!options.empty() && options.back() != '-')
				options += '-';
	}
	const std::string tag = o.target + (o.target == "plenum" ? "-" + EngineOf(o) : "") + (video ? "-video-" : "-audio-") +
		std::to_string(n) + (o.broadcast.empty() ? "" : "-" + o.broadcast) + (options.empty() ? "" : "-" + options);
	if (o.target == "plenum") {
		std::vector<std::string> args{"--port=0", "--tls-port=off", "--bind=127.0.0.1", "--ice-local-address=127.0.0.1", "--video-width=640",
			"--video-height=360", "--video-framerate=30", "--max-participants=" + std::to_string(n + 1),
			// Every bot connects from 127.0.0.1, all at once.
			"--max-connections-per-address=0", "--joins-per-second-per-address=0",
			// Its files in the work directory, not wherever the bench runs.
			"--data-dir=" + o.workDir + "/" + tag + "-data", "--recordings-dir=" + o.workDir + "/" + tag + "-recordings"};
		args.insert(args.end(), o.serverArgs.begin(), o.serverArgs.end());
		result->set("serverArgs", ServerArgsText(o));
		result->set("serverBin", o.plenumBin);
		server = std::make_unique<ChildServer>(o.plenumBin, args,
			o.workDir + "/" + tag + ".log", o.serverCore);
		auto line = server->WaitForLine("plenum: listening on http://", 20s);
		if (!line)
			throw std::runtime_error("plenum did not start: " + server->LogTail());
		port = std::uint16_t(std::stoi(line->substr(line->rfind(':') + 1)));
	} else if (janus) {
		if (::access(o.janusBin.c_str(), X_OK) != 0)
			throw std::runtime_error(o.janusBin + " not found: apt-get install -y janus");
		port = FreePort();
		const std::string dir = o.workDir + "/janus-" + std::to_string(n);
		const auto host = FirstHostAddress();
		if (!host)
			throw std::runtime_error("no non-loopback IPv4 interface for Janus's ICE");
		iceAddress = host->address;
		result->set("janusIceAddress", host->address);
		const std::string config = WriteJanusConfig(o, dir, port, host->interface);
		server = std::make_unique<ChildServer>(o.janusBin,
			std::vector<std::string>{"-C", config, "-F", dir, "-P", dir + "/plugins", "-d", std::getenv("BENCH_JANUS_DEBUG") ? std::getenv("BENCH_JANUS_DEBUG") : "3"},
			o.workDir + "/" + tag + ".log", o.serverCore);
		if (!JanusLink::WaitReady("127.0.0.1", port, 20s))
			throw std::runtime_error("janus did not start: " + server->LogTail());
		janusLink = std::make_unique<JanusLink>("127.0.0.1", port);
		janusLink->CreateRoom(1234);
	}
	const pid_t pid = server ? server->Pid() : 0;
	if (server) {
		std::this_thread::sleep_for(500ms);
		if (auto idle = ReadProcessUsage(pid))
			result->set("rssIdleMiB", idle->rssMiB);
	}

	// Bot 0 is the marker (first to join: top-left tile). The last
	// silentShare of the others send silence; the first `cameras` send video.
	const int count = loopback ? 2 : n;
	const int silent = int(std::floor(o.silentShare * double(count - 1)));
	// The marker talks too (speech with its burst on top).
	result->set("talking", count - silent);
	result->set("silent", silent);
	result->set("silentShare", o.silentShare);
	result->set("audioLevels", o.audioLevels);
	const int columns = loopback ? 1 : Grid(count);
	const int rows = loopback ? 1 : (count + columns - 1) / columns;
	// Which bots decode their audio: all, or K spread evenly over the join
	// order after the marker (bot 0, whose join is timed too).
	const int receivers = count - 1;
	const int stride = o.audioDecoders < 0 || o.audioDecoders >= receivers ? 1
		: (receivers + std::max(1, o.audioDecoders) - 1) / std::max(1, o.audioDecoders);
	auto decodesAudio = [&](int i) { return loopback || i == 0 || (o.audioDecoders != 0 && (i - 1) % stride == 0); };
	int audioDecoding = 0;
	for (int i = 0; i < count; ++i)
		audioDecoding += decodesAudio(i) ? 1 : 0;
	result->set("audioDecoders", audioDecoding);
	std::vector<Participant> participants;
	std::vector<double> joinMs, joinVideoMs;
	int joined = 0;
	int failures = 0;
	std::string firstError;
	try {
		for (int i = 0; i < count && !gInterrupted; ++i) {
			BotOptions b;
			b.name = "bot" + std::to_string(i);
			b.index = i;
			b.decodeAudio = decodesAudio(i);
			b.audio = i == 0 ? AudioSignal::kMarker : (i >= count - silent ? AudioSignal::kSilence : o.signal);
			b.toneHz = 200.0 + 37.0 * i;
			b.receiveVideo = !janus && (video || o.audioBotsReceiveVideo);
			b.sendVideo = video && (loopback ? i == 0 : i < o.cameras);
			b.videoMarker = video && i == 0;
			b.codedMarker = !o.broadcast.empty();
			b.decodeVideo = video && i >= 1 && i <= o.decoders;
			b.tileColumns = columns;
			b.tileRows = rows;
			b.iceAddress = iceAddress;
			b.sendAudioLevel = o.audioLevels;
			Participant p;
			p.bot = std::make_unique<Bot>(b, markers);
			pacer.Add(p.bot.get());
			participants.push_back(std::move(p));
		}
		if (loopback) {
			Bot& a = *participants[0].bot;
			Bot& b = *participants[1].bot;
			a.onLocalDescription = [&b](const std::string& type, const std::string& sdp) { b.SetRemote(type, sdp); };
			b.onLocalDescription = [&a](const std::string& type, const std::string& sdp) { a.SetRemote(type, sdp); };
			a.onLocalCandidate = [&b](unsigned m, const std::string& c) { b.AddCandidate(m, c); };
			b.onLocalCandidate = [&a](unsigned m, const std::string& c) { a.AddCandidate(m, c); };
			b.MarkJoinSent(Clock::now());
			a.CreateOffer();
			if (!b.WaitFirstMedia(video, 15s))
				throw std::runtime_error("loopback pair got no media: " + a.Error() + b.Error());
		} else {
			for (int i = 0; i < count && !gInterrupted && failures < kMaxJoinFailures; ++i) {
				Participant& p = participants[std::size_t(i)];
				bool ok = false;
				std::string error;
				if (janus) {
					ok = janusLink->Join(1234, *p.bot, 15s);
					error = janusLink->Error();
				} else {
					p.plenum = std::make_unique<PlenumLink>("127.0.0.1", port, *p.bot);
					ok = p.plenum->Join("bench", 15s);
					error = p.plenum->Error();
				}
				if (ok && !p.bot->WaitFirstMedia(false, 15s)) {
					ok = false;
					error = "no decoded audio within 15 s of join";
				}
				if (ok) {
					++joined;
					if (p.bot->Options().decodeAudio)
						joinMs.push_back(std::chrono::duration<double, std::milli>(*p.bot->FirstAudio() - *p.bot->JoinSent()).count());
				} else {
					++failures;
					if (firstError.empty())
						firstError = p.bot->Options().name + ": " + error + " " + p.bot->Error();
				}
			}
		}
	} catch (const std::exception& e) {
		++failures;
		firstError = e.what();
	}

	Broadcast broadcast;
	if (!gInterrupted && failures == 0 && o.target == "plenum" && (o.broadcast == "rtmp" || o.broadcast == "hls")) {
		try {
			StartBroadcast(broadcast, o, tag, port, video, columns, rows, *result);
		} catch (const Poco::Exception& e) {
			++failures;
			firstError = "broadcast: " + e.displayText();
		} catch (const std::exception& e) {
			++failures;
			firstError = std::string("broadcast: ") + e.what();
		}
	}

	bool completed = !gInterrupted && failures == 0;
	if (completed) {
		SleepInterruptible(std::chrono::seconds(o.warmup));
		for (auto& p : participants)
			if (p.bot->Options().decodeVideo && p.bot->FirstVideo() && p.bot->JoinSent())
				joinVideoMs.push_back(std::chrono::duration<double, std::milli>(*p.bot->FirstVideo() - *p.bot->JoinSent()).count());
		const auto t0 = Clock::now();
		std::vector<Bot::Counters> before;
		for (auto& p : participants)
			before.push_back(p.bot->Snapshot());
		const auto usage0 = pid ? ReadProcessUsage(pid) : std::nullopt;
		const auto self0 = ReadProcessUsage(::getpid());
		const auto serverCore0 = ReadCoreTimes(o.serverCore);
		const auto botCore0 = ReadCoresTimes(o.botCores);
		const auto serverWaits0 = pid ? ReadRunqueueWaits(pid) : std::map<pid_t, double>{};
		const auto botWaits0 = ReadRunqueueWaits(::getpid());
		completed = SleepInterruptible(std::chrono::seconds(o.duration));
		const auto t1 = Clock::now();
		const auto usage1 = pid ? ReadProcessUsage(pid) : std::nullopt;
		const auto self1 = ReadProcessUsage(::getpid());
		const auto serverCore1 = ReadCoreTimes(o.serverCore);
		const auto botCore1 = ReadCoresTimes(o.botCores);
		const auto serverWaits1 = pid ? ReadRunqueueWaits(pid) : std::map<pid_t, double>{};
		const auto botWaits1 = ReadRunqueueWaits(::getpid());
		result->set("botCores", int(o.botCores.size()));
		if (self0 && self1)
			SetNumber(*result, "botCpuPct", 100.0 * (self1->cpuSeconds - self0->cpuSeconds) / std::chrono::duration<double>(t1 - t0).count());
		// How busy each core was over the window, whoever ran on it, and how
		// much of it the hypervisor took: the server's and the bots' shares
		// of it say whether anything else competed with them.
		auto coreShare = [&](const char* key, const std::optional<CoreTimes>& a, const std::optional<CoreTimes>& b) {
			if (!a || !b || b->total <= a->total)
				return;
			const double total = double(b->total - a->total);
			SetNumber(*result, std::string(key) + "BusyPct", 100.0 * double(b->busy - a->busy) / total);
			SetNumber(*result, std::string(key) + "StealPct", 100.0 * double(b->steal - a->steal) / total);
		};
		coreShare("serverCore", serverCore0, serverCore1);
		coreShare("botCore", botCore0, botCore1);
		// The longest any one thread waited for a CPU while runnable, in % of
		// the window: a server's media thread that waits is late, whatever
		// its own CPU use (a busy machine; or, for the bots, their own load).
		auto maxWait = [&](const std::string& key, pid_t process, const std::map<pid_t, double>& a,
				       const std::map<pid_t, double>& b) {
			double most = -1.0;
			pid_t thread = 0;
			for (const auto& [tid, waited] : b)
				if (const auto before = a.find(tid); before != a.end() && waited - before->second > most) {
					most = waited - before->second;
					thread = tid;
				}
			if (most < 0.0)
				return;
			SetNumber(*result, key + "WaitPct", 100.0 * most / std::chrono::duration<double>(t1 - t0).count());
			result->set(key + "WaitName", ThreadName(process, thread));
		};
		if (pid)
			maxWait("serverThread", pid, serverWaits0, serverWaits1);
		maxWait("botThread", ::getpid(), botWaits0, botWaits1);
		const double seconds = std::chrono::duration<double>(t1 - t0).count();
		std::vector<double> audioRates, videoRates;
		for (std::size_t i = 0; i < participants.size(); ++i) {
			const auto after = participants[i].bot->Snapshot();
			if (loopback && i == 0)
				continue; // the sender of the pair receives nothing worth measuring
			audioRates.push_back(double(after.audioPackets - before[i].audioPackets) / seconds);
			if (video)
				videoRates.push_back(double(after.videoFrames - before[i].videoFrames) / seconds);
		}
		// Delays of the marker, seen by every receiver but the marker itself.
		const auto emittedAudio = markers.Audio();
		const auto emittedVideo = markers.Video();
		std::vector<double> audioDelays, videoDelays, early, late;
		const auto firstQuarter = t0 + (t1 - t0) / 4;
		const auto lastQuarter = t1 - (t1 - t0) / 4;
		for (std::size_t i = 1; i < participants.size(); ++i) {
			std::vector<Clock::time_point> onsets;
			for (auto t : participants[i].bot->AudioOnsets())
				if (t >= t0 && t <= t1)
					onsets.push_back(t);
			auto delays = MatchDelays(emittedAudio, onsets, 900ms);
			audioDelays.insert(audioDelays.end(), delays.begin(), delays.end());
			for (std::size_t k = 0; k < onsets.size() && k < delays.size(); ++k) {
				if (onsets[k] < firstQuarter)
					early.push_back(delays[k]);
				else if (onsets[k] > lastQuarter)
					late.push_back(delays[k]);
			}
			std::vector<Clock::time_point> frames;
			for (auto t : participants[i].bot->VideoOnsets())
				if (t >= t0 && t <= t1)
					frames.push_back(t);
			auto vdelays = MatchDelays(emittedVideo, frames, 900ms);
			videoDelays.insert(videoDelays.end(), vdelays.begin(), vdelays.end());
		}
		SetNumber(*result, "seconds", seconds);
		if (usage0 && usage1) {
			const double cpu = 100.0 * (usage1->cpuSeconds - usage0->cpuSeconds) / seconds;
			SetNumber(*result, "cpuPct", cpu);
			SetNumber(*result, "cpuPctPerParticipant", cpu / double(count));
			result->set("rssMiB", usage1->rssMiB);
		}
		const double audioMin = audioRates.empty() ? 0 : *std::min_element(audioRates.begin(), audioRates.end());
		const double audioMax = audioRates.empty() ? 0 : *std::max_element(audioRates.begin(), audioRates.end());
		SetNumber(*result, "audioPpsMin", audioMin);
		SetNumber(*result, "audioPpsMax", audioMax);
		SetNumber(*result, "audioPpsMedian", Percentile(audioRates, 50));
		// Per bot, in join order (bot0 first; the loopback's receiver only).
		result->set("audioPpsByBot", ToArray(audioRates));
		if (video)
			result->set("videoFpsByBot", ToArray(videoRates));
		bool realtime = audioMin >= 49.0 && audioMax <= 51.0;
		if (video) {
			const double videoMin = videoRates.empty() ? 0 : *std::min_element(videoRates.begin(), videoRates.end());
			SetNumber(*result, "videoFpsMin", videoMin);
			SetNumber(*result, "videoFpsMedian", Percentile(videoRates, 50));
			realtime = realtime && videoMin >= 0.95 * 30.0;
		}
		const double growth = Percentile(late, 50) - Percentile(early, 50);
		if (!std::isnan(growth))
			SetNumber(*result, "latencyGrowthMs", growth);
		realtime = realtime && !audioDelays.empty() && (std::isnan(growth) || growth <= 40.0);
		result->set("realtime", realtime);
		result->set("audioLatencyMs", ToArray(audioDelays));
		SetNumber(*result, "audioLatencyP50", Percentile(audioDelays, 50));
		SetNumber(*result, "audioLatencyP95", Percentile(audioDelays, 95));
		if (video) {
			result->set("videoLatencyMs", ToArray(videoDelays));
			SetNumber(*result, "videoLatencyP50", Percentile(videoDelays, 50));
			SetNumber(*result, "videoLatencyP95", Percentile(videoDelays, 95));
		}
		if (!broadcast.readers.empty()) {
			result->set("broadcastReaders", BroadcastDelays(broadcast, markers, video, t0, t1));
			try {
				result->set("broadcastState", broadcast.api->State(broadcast.id));
			} catch (const Poco::Exception& e) {
				result->set("broadcastState", "unknown: " + e.displayText());
			}
		}
	}
	result->set("joinMs", ToArray(joinMs));
	SetNumber(*result, "joinP50", Percentile(joinMs, 50));
	SetNumber(*result, "joinP95", Percentile(joinMs, 95));
	if (!joinVideoMs.empty()) {
		SetNumber(*result, "joinVideoP50", Percentile(joinVideoMs, 50));
		SetNumber(*result, "joinVideoP95", Percentile(joinVideoMs, 95));
	}
	result->set("failures", failures);
	result->set("joined", joined);
	result->set("completed", completed);
	if (!firstError.empty())
		result->set("error", firstError);
	if (server && !server->Running())
		result->set("serverDied", server->LogTail(1500));

	broadcast.Stop();
	pacer.Clear();
	for (auto& p : participants)
		if (p.plenum)
			p.plenum->Leave();
	participants.clear(); // links first (member order), then bots
	if (janusLink)
		janusLink->Stop();
	if (server)
		server->Stop();
	return result;
}

} // namespace

int main(int argc, char** argv)
{
	Options o;
	try {
		o = Parse(argc, argv);
	} catch (const std::exception& e) {
		std::cerr << "plenum-bench: " << e.what() << "\n";
		return 2;
	}
	std::signal(SIGINT, [](int) { gInterrupted = true; });
	std::signal(SIGTERM, [](int) { gInterrupted = true; });
	std::signal(SIGPIPE, SIG_IGN);
	// Every thread of ours (pacer, GStreamer, signaling) inherits the bot
	// core; servers pin themselves to the server core after fork.
	PinToCores(o.botCores);
	gst_init(nullptr, nullptr);
	VoiceLoop::Speech(); // encoded once, before any server starts
	VoiceLoop::Silence();
	if (o.target == "plenum" && o.plenumBin.empty()) {
		std::cerr << "plenum-bench: --plenum-bin is required\n";
		return 2;
	}
	if (o.target == "plenum")
		o.defaultEngine = OffersEngineChoice(o.plenumBin) ? "webrtcbin" : "native";
	std::ofstream out(o.json, std::ios::app);
	int status = 0;
	for (int n : o.sizes) {
		if (gInterrupted)
			break;
		Poco::JSON::Object::Ptr result;
		try {
			std::cerr << "plenum-bench: " << o.target << " (" << EngineOf(o) << ")" << (o.video ? " video" : " audio") << " N=" << n
				  << " ..." << std::endl;
			AudioPacer pacer;
			result = RunOne(o, n, pacer);
		} catch (const std::exception& e) {
			result = new Poco::JSON::Object;
			result->set("target", o.target);
			result->set("engine", EngineOf(o));
			result->set("n", n);
			result->set("video", o.video);
			if (o.target == "plenum") {
				result->set("serverArgs", ServerArgsText(o));
				result->set("serverBin", o.plenumBin);
			}
			result->set("completed", false);
			result->set("error", std::string(e.what()));
		}
		result->stringify(out);
		out << "\n";
		out.flush();
		std::ostringstream summary;
		summary << "plenum-bench: " << o.target << " (" << EngineOf(o) << ") N=" << n << " completed=" << result->optValue<bool>("completed", false)
			<< " realtime=" << result->optValue<bool>("realtime", false)
			<< " cpu/participant=" << result->optValue<double>("cpuPctPerParticipant", NAN)
			<< "% audio pps min=" << result->optValue<double>("audioPpsMin", NAN)
			<< " video fps min=" << result->optValue<double>("videoFpsMin", NAN)
			<< " bot cpu=" << result->optValue<double>("botCpuPct", NAN) << "%"
			<< " audio p50=" << result->optValue<double>("audioLatencyP50", NAN)
			<< " ms join p50=" << result->optValue<double>("joinP50", NAN) << " ms"
			<< (result->has("error") ? " error=" + result->getValue<std::string>("error") : "");
		std::cerr << summary.str() << std::endl;
		if (!result->optValue<bool>("completed", false))
			status = 1;
		if (o.requireRealtime && (!result->optValue<bool>("realtime", false) || !result->has("audioLatencyP50"))) {
			std::cerr << "plenum-bench: N=" << n << " did not keep real time (50 +/- 1 audio packets/s at every bot, a latency figure)"
				  << std::endl;
			status = 1;
		}
	}
	return gInterrupted ? 130 : status;
}
