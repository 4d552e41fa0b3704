#include "support/NfqueueRules.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/CommandRun.hpp"

namespace plenum::test {
namespace {

CommandRun RunIptables(const std::vector<std::string>& args) {
  static const std::string iptables = NfqueueRules::Iptables();
  return RunCommand(iptables, args);
}

void RemoveChain(const std::string& chain) {
  // Each may fail: there is nothing to remove.
  RunIptables({"-w", "-t", "mangle", "-D", "OUTPUT", "-j", chain});
  RunIptables({"-w", "-t", "mangle", "-F", chain});
  RunIptables({"-w", "-t", "mangle", "-X", chain});
}

}  // namespace

NfqueueRules::NfqueueRules(std::string chain, const std::string& address, std::uint16_t queue)
    : chain_(std::move(chain)) {
  if (Iptables().empty()) throw std::runtime_error("iptables is not installed (Debian package iptables)");
  RemoveChain(chain_);  // a killed run's
  const std::string number = std::to_string(queue);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-w", "-t", "mangle", "-N", chain_},
           {"-w", "-t", "mangle", "-A", chain_, "-p", "udp", "-s", address, "-j", "NFQUEUE", "--queue-num", number,
            "--queue-bypass"},
           {"-w", "-t", "mangle", "-A", chain_, "-p", "udp", "-d", address, "-j", "NFQUEUE", "--queue-num", number,
            "--queue-bypass"},
           {"-w", "-t", "mangle", "-A", "OUTPUT", "-j", chain_},
       }) {
    const CommandRun run = RunIptables(args);
    if (run.status != 0) {
      RemoveChain(chain_);
      std::string command = "iptables";
      for (const auto& arg : args) command += " " + arg;
      throw std::runtime_error(command + " failed (" + std::to_string(run.status) + "): " + run.output);
    }
  }
}

NfqueueRules::~NfqueueRules() { RemoveChain(chain_); }

std::uint64_t NfqueueRules::Queued() const {
  const CommandRun run = RunIptables({"-w", "-t", "mangle", "-L", chain_, "-n", "-v", "-x"});
  std::uint64_t total = 0;
  std::stringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("NFQUEUE") == std::string::npos) continue;
    std::stringstream fields(line);
    std::uint64_t packets = 0;
    if (fields >> packets) total += packets;
  }
  return total;
}

bool NfqueueRules::Present(const std::string& chain) {
  return RunIptables({"-w", "-t", "mangle", "-L", chain, "-n"}).status == 0;
}

std::string NfqueueRules::Iptables() {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "iptables";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

}  // namespace plenum::test
