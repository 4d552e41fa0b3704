#include "support/ProcessUsage.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace plenum::test {

std::string ProcessUsage::Describe() const {
  std::ostringstream out;
  out << threads << " threads, " << fds << " fds, " << rssKiB / 1024.0 << " MiB RSS";
  return out.str();
}

ProcessUsage ReadProcessUsage(pid_t pid) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::ifstream status(proc / "status");
  if (!status) throw std::runtime_error("no " + (proc / "status").string());
  ProcessUsage usage;
  std::string key;
  while (status >> key) {
    if (key == "Threads:")
      status >> usage.threads;
    else if (key == "VmRSS:")
      status >> usage.rssKiB;
    status.ignore(4096, '\n');
  }
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(proc / "fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error))
    usage.fds++;
  if (error) throw std::runtime_error("cannot list " + (proc / "fd").string() + ": " + error.message());
  return usage;
}

}  // namespace plenum::test
