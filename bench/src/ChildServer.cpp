#include "ChildServer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace plenum::bench {

ChildServer::ChildServer(const std::string& path, const std::vector<std::string>& args, const std::string& logPath, int core)
	: logPath_(logPath)
{
	const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0)
		throw std::runtime_error("cannot open " + logPath);
	std::vector<std::string> argv{path};
	argv.insert(argv.end(), args.begin(), args.end());
	std::vector<char*> raw;
	for (auto& a : argv)
		raw.push_back(a.data());
	raw.push_back(nullptr);
	const pid_t parent = ::getpid();
	pid_ = ::fork();
	if (pid_ < 0) {
		::close(log);
		throw std::runtime_error("fork failed");
	}
	if (pid_ == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent)
			::_exit(1);
		if (core >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(core, &set);
			::sched_setaffinity(0, sizeof set, &set);
		}
		const int null = ::open("/dev/null", O_RDONLY);
		::dup2(null, 0);
		::dup2(log, 1);
		::dup2(log, 2);
		::execv(path.c_str(), raw.data());
		::_exit(127);
	}
	::close(log);
}

ChildServer::~ChildServer()
{
	Stop();
}

bool ChildServer::Running()
{
	if (pid_ <= 0)
		return false;
	int status = 0;
	if (::waitpid(pid_, &status, WNOHANG) == pid_) {
		pid_ = -1;
		return false;
	}
	return true;
}

std::optional<std::string> ChildServer::WaitForLine(const std::string& needle, std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		std::ifstream in(logPath_);
		std::string line;
		while (std::getline(in, line))
			if (line.find(needle) != std::string::npos)
				return line;
		if (!Running())
			return std::nullopt;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	return std::nullopt;
}

void ChildServer::Stop(std::chrono::milliseconds grace)
{
	if (!Running())
		return;
	::kill(pid_, SIGTERM);
	const auto deadline = std::chrono::steady_clock::now() + grace;
	while (std::chrono::steady_clock::now() < deadline) {
		if (!Running())
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	::kill(pid_, SIGKILL);
	::waitpid(pid_, nullptr, 0);
	pid_ = -1;
}

std::string ChildServer::LogTail(std::size_t bytes) const
{
	std::ifstream in(logPath_);
	std::stringstream text;
	text << in.rdbuf();
	const std::string all = text.str();
	return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

std::optional<ProcessUsage> ReadProcessUsage(pid_t pid)
{
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string text;
	if (!std::getline(stat, text))
		return std::nullopt;
	// Fields after the parenthesised command name; utime and stime are 14 and 15.
	const auto close = text.rfind(')');
	std::istringstream fields(text.substr(close + 2));
	std::string field;
	unsigned long long utime = 0, stime = 0;
	for (int index = 3; fields >> field; ++index) {
		if (index == 14)
			utime = std::stoull(field);
		if (index == 15) {
			stime = std::stoull(field);
			break;
		}
	}
	ProcessUsage usage;
	usage.cpuSeconds = double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
	std::ifstream status("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(status, line))
		if (line.rfind("VmRSS:", 0) == 0)
			usage.rssMiB = std::stod(line.substr(6)) / 1024.0;
	return usage;
}

std::optional<CoreTimes> ReadCoreTimes(int core)
{
	if (core < 0)
		return std::nullopt;
	std::ifstream stat("/proc/stat");
	const std::string name = "cpu" + std::to_string(core);
	std::string line;
	while (std::getline(stat, line)) {
		std::istringstream fields(line);
		std::string label;
		fields >> label;
		if (label != name)
			continue;
		// user nice system idle iowait irq softirq steal (guest time is in user).
		unsigned long long value[8] = {};
		for (auto& v : value)
			fields >> v;
		CoreTimes times;
		for (auto v : value)
			times.total += v;
		times.busy = times.total - value[3] - value[4];
		times.steal = value[7];
		return times;
	}
	return std::nullopt;
}

std::map<pid_t, double> ReadRunqueueWaits(pid_t pid)
{
	std::map<pid_t, double> waits;
	const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
	std::error_code ec;
	for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
		// Time on the CPU, time waiting on a run queue (both ns), timeslices.
		std::ifstream schedstat(task.path() / "schedstat");
		unsigned long long running = 0, waiting = 0;
		if (schedstat >> running >> waiting)
			waits[pid_t(std::stol(task.path().filename().string()))] = double(waiting) / 1e9;
	}
	return waits;
}

std::string ThreadName(pid_t pid, pid_t tid)
{
	std::ifstream comm("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/comm");
	std::string name;
	std::getline(comm, name);
	return name;
}

std::uint16_t FreePort()
{
	const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
	socklen_t length = sizeof address;
	::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
	::close(fd);
	return ntohs(address.sin_port);
}

std::optional<HostAddress> FirstHostAddress()
{
	ifaddrs* list = nullptr;
	if (::getifaddrs(&list) != 0)
		return std::nullopt;
	std::optional<HostAddress> found;
	for (ifaddrs* it = list; it && !found; it = it->ifa_next) {
		if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET || (it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP))
			continue;
		char text[INET_ADDRSTRLEN];
		::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr, text, sizeof text);
		found = HostAddress{it->ifa_name, text};
	}
	::freeifaddrs(list);
	return found;
}

void PinToCore(int core)
{
	if (core < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	::sched_setaffinity(0, sizeof set, &set);
}

void PinToCores(const std::vector<int>& cores)
{
	if (cores.empty())
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int core : cores)
		CPU_SET(core, &set);
	::sched_setaffinity(0, sizeof set, &set);
}

} // namespace plenum::bench
