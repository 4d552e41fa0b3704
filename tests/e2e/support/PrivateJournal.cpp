#include "support/PrivateJournal.hpp"

#include "support/CommandRun.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace plenum::test {
namespace {

constexpr const char* kJournald = "/lib/systemd/systemd-journald";
constexpr const char* kJournalctl = "/usr/bin/journalctl";

// Whether the mount holding `path` propagates to other namespaces, from
// /proc/self/mountinfo. Inside a chroot whose root is no mount point the
// mount is not listed: then the namespace is taken as it is.
bool PropagatesOut(const std::string& path) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string best;
  bool shared = false;
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mountPoint, options, optional;
    fields >> id >> parent >> device >> root >> mountPoint >> options;
    const bool covers = path == mountPoint || mountPoint == "/" ||
                        (path.rfind(mountPoint, 0) == 0 && path[mountPoint.size()] == '/');
    if (!covers || mountPoint.size() < best.size()) continue;
    best = mountPoint;
    shared = false;
    while (fields >> optional && optional != "-")
      if (optional.rfind("shared:", 0) == 0) shared = true;
  }
  return shared;
}

// Whether a stream socket listens at `path` (journald binds, then listens).
bool AcceptsStreams(const char* path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path, sizeof address.sun_path - 1);
  const bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

}  // namespace

std::string PrivateJournal::EnterOwnRun() {
  if (unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
  // Fails in a chroot whose "/" is no mount point (the fresh root of
  // .ci/run, whose own namespace is private already): checked below.
  mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  if (PropagatesOut("/run")) return "the mount holding /run is shared with other namespaces; not covering it";
  if (mount("plenum-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") != 0)
    return std::string("mount tmpfs on /run: ") + std::strerror(errno);
  // journald files its entries under the machine id. A root that never
  // booted may have an empty /etc/machine-id: lend it one, in this
  // namespace only.
  std::string machineId;
  std::ifstream("/etc/machine-id") >> machineId;
  if (machineId.size() != 32 || machineId.find_first_not_of("0123456789abcdef") != std::string::npos) {
    std::ofstream("/run/plenum-machine-id") << "0123456789abcdef0123456789abcdef\n";
    if (mount("/run/plenum-machine-id", "/etc/machine-id", nullptr, MS_BIND, nullptr) != 0)
      return std::string("no usable /etc/machine-id, and none can be lent: ") + std::strerror(errno);
  }
  return {};
}

PrivateJournal::PrivateJournal() {
  // Drop-ins in /run override /etc's journald.conf and its drop-ins (the
  // last name wins), whatever this machine says there.
  std::filesystem::create_directories("/run/systemd/journald.conf.d");
  std::ofstream("/run/systemd/journald.conf.d/zz-plenum-test.conf")
      << "[Journal]\nStorage=volatile\nReadKMSG=no\nForwardToSyslog=no\nForwardToKMsg=no\n"
         "ForwardToConsole=no\nForwardToWall=no\nRateLimitIntervalSec=0\n";
  // A journald before this one (the test before) left its sockets: gone,
  // so that the wait below is for this one's.
  std::filesystem::remove_all("/run/systemd/journal");
  process_ = std::make_unique<ChildProcess>(kJournald, std::vector<std::string>{});
  const auto deadline = std::chrono::steady_clock::now() + Scaled(std::chrono::seconds(10));
  struct stat socketStat {};
  while (stat("/run/systemd/journal/socket", &socketStat) != 0 || !AcceptsStreams("/run/systemd/journal/stdout")) {
    if (!process_->Running() || std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error(std::string(kJournald) + " made no sockets:\n" + process_->OutputTail());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

PrivateJournal::~PrivateJournal() { process_->Terminate(std::chrono::seconds(5)); }

std::vector<PrivateJournal::Entry> PrivateJournal::Entries(const std::vector<std::string>& match) const {
  std::vector<std::string> args{"--directory", kJournalDirectory, "--no-pager", "--output=json"};
  args.insert(args.end(), match.begin(), match.end());
  const CommandRun run = RunCommand(kJournalctl, args, std::chrono::seconds(10));
  if (run.status != 0 && run.status != 1)
    throw std::runtime_error("journalctl failed (" + std::to_string(run.status) + "):\n" + run.output);
  std::vector<Entry> entries;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;  // "-- No entries --" and the like
    Poco::JSON::Parser parser;
    const auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
    Entry entry;
    for (const auto& [name, value] : *object)
      if (value.isString()) entry[name] = value.extract<std::string>();
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace plenum::test
