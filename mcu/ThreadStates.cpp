#include "mcu/ThreadStates.hpp"

#include <dirent.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace plenum::mcu {
namespace {

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The state letter of /proc/.../stat: after the parenthesised name, which
// may itself hold spaces and parentheses.
char StateOf(const std::string& stat) {
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() ? stat[close + 2] : '?';
}

}  // namespace

std::string DescribeThreads() {
  std::unique_ptr<DIR, int (*)(DIR*)> tasks(opendir("/proc/self/task"), closedir);
  if (!tasks) return "(cannot read /proc/self/task)\n";
  std::ostringstream out;
  while (const dirent* entry = readdir(tasks.get())) {
    if (entry->d_name[0] == '.') continue;
    const std::string dir = std::string("/proc/self/task/") + entry->d_name;
    std::string wchan = FirstLine(dir + "/wchan");
    if (wchan.empty() || wchan == "0") wchan = "-";
    out << "  thread " << entry->d_name << " '" << FirstLine(dir + "/comm") << "' " << StateOf(FirstLine(dir + "/stat"))
        << " " << wchan << "\n";
  }
  return out.str();
}

}  // namespace plenum::mcu
