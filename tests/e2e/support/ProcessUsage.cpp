#include "support/ProcessUsage.hpp"

#include <arpa/inet.h>

#include <filesystem>
#include <map>
#include <set>
#include <utility>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testclient/TimeoutScale.hpp"

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

ProcessUsage SettledUsage(pid_t pid, const ProcessUsage& baseline, long threadSlack, long fdSlack,
                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  ProcessUsage usage = ReadProcessUsage(pid);
  while (std::chrono::steady_clock::now() < deadline &&
         (usage.threads > baseline.threads + threadSlack || usage.fds > baseline.fds + fdSlack)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    usage = ReadProcessUsage(pid);
  }
  return usage;
}

pid_t ThreadNamed(pid_t pid, const std::string& name) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(tasks, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::ifstream comm(it->path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) return static_cast<pid_t>(std::stol(it->path().filename().string()));
  }
  return -1;
}

namespace {

// "0100007F:9C5B" (udp) or a 32-digit address (udp6) as "ADDR:PORT".
std::string FromProcAddress(const std::string& hex, bool v6) {
  const std::size_t colon = hex.find(':');
  const std::string address = hex.substr(0, colon);
  const unsigned port = std::stoul(hex.substr(colon + 1), nullptr, 16);
  unsigned char bytes[16] = {};
  const std::size_t words = v6 ? 4 : 1;
  for (std::size_t w = 0; w < words; ++w) {
    // Each 32-bit word is printed in host (little-endian) order.
    const unsigned long word = std::stoul(address.substr(w * 8, 8), nullptr, 16);
    for (int b = 0; b < 4; ++b) bytes[w * 4 + b] = static_cast<unsigned char>(word >> (8 * b));
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, text, sizeof text);
  return v6 ? "[" + std::string(text) + "]:" + std::to_string(port) : std::string(text) + ":" + std::to_string(port);
}

}  // namespace

std::string DescribeFds(pid_t pid) {
  std::map<std::string, int> kinds;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::error_code linkError;
    std::string target = std::filesystem::read_symlink(it->path(), linkError).string();
    if (const auto bracket = target.find(":["); bracket != std::string::npos && target.rfind("anon_inode", 0) != 0)
      target = target.substr(0, bracket);
    kinds[target]++;
  }
  std::string out;
  for (const auto& [kind, count] : kinds) out += (out.empty() ? "" : ", ") + kind + ": " + std::to_string(count);
  return out;
}

namespace {

// One TCP or UDP socket of the process, from /proc/PID/net/{tcp,udp}{,6}.
struct InetSocket {
  std::string table;  // tcp, tcp6, udp, udp6
  std::string local, remote, state, queues;
};

// The inodes of the process's sockets, from its file descriptors.
std::set<std::string> SocketInodes(const std::filesystem::path& proc) {
  std::set<std::string> inodes;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(proc / "fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::error_code linkError;
    const std::string target = std::filesystem::read_symlink(it->path(), linkError).string();
    if (!linkError && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// The process's sockets found in `tables`; what remains in `inodes` is
// in none of them.
std::vector<InetSocket> InetSockets(const std::filesystem::path& proc, std::set<std::string>& inodes,
                                    std::initializer_list<std::pair<const char*, bool>> tables) {
  std::vector<InetSocket> sockets;
  for (const auto& [table, v6] : tables) {
    std::ifstream in(proc / "net" / table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (inodes.erase(inode) == 0) continue;
      sockets.push_back({table, FromProcAddress(local, v6), FromProcAddress(remote, v6), state, queues});
    }
  }
  return sockets;
}

}  // namespace

std::string DescribeSockets(pid_t pid) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes = SocketInodes(proc);
  std::string out;
  for (const InetSocket& socket :
       InetSockets(proc, inodes, {{"tcp", false}, {"tcp6", true}, {"udp", false}, {"udp6", true}})) {
    out += "\n  " + socket.table + " " + socket.local + " -> " + socket.remote + " state " + socket.state +
           " queues " + socket.queues;
  }
  if (!inodes.empty()) out += "\n  and " + std::to_string(inodes.size()) + " other sockets (unix, netlink)";
  return out;
}

std::vector<std::string> UdpSocketsOf(pid_t pid) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes = SocketInodes(proc);
  std::vector<std::string> sockets;
  for (const InetSocket& socket : InetSockets(proc, inodes, {{"udp", false}, {"udp6", true}}))
    sockets.push_back(socket.local);
  return sockets;
}

}  // namespace plenum::test
