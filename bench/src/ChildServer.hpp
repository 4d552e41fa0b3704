#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace plenum::bench {

// A server process started for one measurement: pinned to `core` (-1: any),
// output to `logPath`, killed with us if we die (PR_SET_PDEATHSIG), stopped
// with SIGTERM then SIGKILL.
class ChildServer {
public:
	ChildServer(const std::string& path, const std::vector<std::string>& args, const std::string& logPath, int core);
	~ChildServer();
	ChildServer(const ChildServer&) = delete;
	ChildServer& operator=(const ChildServer&) = delete;

	pid_t Pid() const { return pid_; }
	bool Running();
	// Waits for a log line containing `needle`; the line, or nullopt.
	std::optional<std::string> WaitForLine(const std::string& needle, std::chrono::milliseconds timeout);
	void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
	std::string LogTail(std::size_t bytes = 3000) const;

private:
	pid_t pid_ = -1;
	std::string logPath_;
};

// CPU time (user+system) of a process in seconds, and its resident memory.
struct ProcessUsage {
	double cpuSeconds = 0.0;
	double rssMiB = 0.0;
};
std::optional<ProcessUsage> ReadProcessUsage(pid_t pid);

// One core's time from /proc/stat, in clock ticks: busy (everything but
// idle and iowait, whoever ran), stolen by the hypervisor, and the total.
struct CoreTimes {
	unsigned long long busy = 0;
	unsigned long long steal = 0;
	unsigned long long total = 0;
};
std::optional<CoreTimes> ReadCoreTimes(int core);

// How long each thread of a process has waited on a run queue (runnable,
// not running) since it started, in seconds, by thread id, from
// /proc/PID/task/TID/schedstat. A thread that waits much was held off its
// core by other threads, ours or anyone's.
std::map<pid_t, double> ReadRunqueueWaits(pid_t pid);
// A thread's name (/proc/PID/task/TID/comm), empty once it is gone.
std::string ThreadName(pid_t pid, pid_t tid);

// A TCP port that was free a moment ago on 127.0.0.1.
std::uint16_t FreePort();

// The first up, non-loopback IPv4 interface: its name and address. Janus
// never gathers ICE candidates on loopback interfaces, so its runs use this
// (the kernel still routes such traffic over lo: nothing leaves the machine).
struct HostAddress {
	std::string interface;
	std::string address;
};
std::optional<HostAddress> FirstHostAddress();

// Pins the calling thread (and what it starts later) to `core`, or to
// `cores` (none: any).
void PinToCore(int core);
void PinToCores(const std::vector<int>& cores);

} // namespace plenum::bench
