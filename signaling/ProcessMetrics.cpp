#include "signaling/ProcessMetrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace plenum::signaling {

namespace {

std::string ReadWhole(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The system's boot time (`btime` in /proc/stat), seconds since the epoch:
// a process's start time in /proc/self/stat counts from it.
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double seconds = 0;
      if (in >> seconds) return seconds;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

double OpenFds() {
  // Counts the directory's own descriptor too, as the Go client does.
  std::error_code error;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error))
    ++count;
  return count;
}

}  // namespace

std::optional<ProcessSample> ReadProcessSample() {
  // proc(5): "pid (comm) state ppid ...". comm may hold spaces and
  // parentheses, so the fields start after the last ')'.
  const std::string stat = ReadWhole("/proc/self/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> field{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  // field[0] is proc(5)'s field 3 (state): field N is field[N - 3].
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kThreads = 20 - 3, kStartTime = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (field.size() <= kRss) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double pageSize = static_cast<double>(sysconf(_SC_PAGESIZE));
  ProcessSample sample;
  try {
    sample.cpuSeconds = (std::stod(field[kUtime]) + std::stod(field[kStime])) / ticks;
    sample.threads = std::stod(field[kThreads]);
    sample.virtualBytes = std::stod(field[kVsize]);
    sample.residentBytes = std::stod(field[kRss]) * pageSize;
    if (auto boot = BootTime()) sample.startTimeSeconds = *boot + std::stod(field[kStartTime]) / ticks;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  sample.openFds = OpenFds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    sample.maxFds = limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(limit.rlim_cur);
  }
  return sample;
}

void WriteProcessMetrics(common::PrometheusText& out) {
  const auto sample = ReadProcessSample();
  if (!sample) return;
  using common::PrometheusType;
  out.Family("process_cpu_seconds_total", PrometheusType::kCounter, "Total user and system CPU time spent in seconds.");
  out.Sample(sample->cpuSeconds);
  out.Family("process_resident_memory_bytes", PrometheusType::kGauge, "Resident memory size in bytes.");
  out.Sample(sample->residentBytes);
  out.Family("process_virtual_memory_bytes", PrometheusType::kGauge, "Virtual memory size in bytes.");
  out.Sample(sample->virtualBytes);
  out.Family("process_open_fds", PrometheusType::kGauge, "Number of open file descriptors.");
  out.Sample(sample->openFds);
  out.Family("process_max_fds", PrometheusType::kGauge, "Maximum number of open file descriptors.");
  out.Sample(sample->maxFds);
  out.Family("process_start_time_seconds", PrometheusType::kGauge,
             "Start time of the process since unix epoch in seconds.");
  out.Sample(sample->startTimeSeconds);
  out.Family("process_threads", PrometheusType::kGauge, "Number of OS threads in the process.");
  out.Sample(sample->threads);
}

}  // namespace plenum::signaling
