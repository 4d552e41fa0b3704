// A systemd-journald of the test's own, never the machine's: the test
// process first moves into a mount namespace of its own with a tmpfs over
// /run (EnterOwnRun, from main() before any thread starts), so that
// journald's sockets (/run/systemd/journal/) and its volatile journal
// (/run/log/journal/) exist for this process and its children alone. The
// server logs to it through the same paths as under systemd; the test
// reads it back with journalctl.
#pragma once

#include "testclient/ChildProcess.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace plenum::test {

class PrivateJournal {
 public:
  using Entry = std::map<std::string, std::string>;  // field -> value (text fields only)

  // Moves this (still single-threaded) process into a mount namespace of
  // its own, private, with an empty tmpfs on /run. Empty on success, else
  // why not.
  static std::string EnterOwnRun();

  // Starts journald (volatile storage, no kernel log, no forwarding) and
  // waits for its sockets. Throws std::runtime_error with its output.
  PrivateJournal();
  // Stops journald.
  ~PrivateJournal();
  PrivateJournal(const PrivateJournal&) = delete;
  PrivateJournal& operator=(const PrivateJournal&) = delete;

  // Every entry so far whose fields match `match` ("FIELD=value" terms,
  // as journalctl takes them), read with journalctl -o json.
  std::vector<Entry> Entries(const std::vector<std::string>& match) const;
  // journald's own output, for assertion messages.
  std::string OutputTail() const { return process_->OutputTail(); }

  static constexpr const char* kJournalDirectory = "/run/log/journal";

 private:
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace plenum::test
