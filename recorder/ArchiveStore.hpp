// The recordings directory as a set of archives, one subdirectory each, for
// the API and the retention sweep: listing them with their state from
// their journals, legal holds, and deleting those past retention. Holds
// and deletions are kept outside the archives (a file inside would change
// what the seal covers) and appended to a server-wide audit journal, chained
// like a recording's. Any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plenum::recorder {

class ArchiveJournal;

struct ArchiveSummary {
  std::string id;  // the directory's name
  std::string directory;
  std::string room;
  std::string state;  // finished, interrupted, failed (sealed); recording (open)
  std::string startedAt;
  std::string endedAt;       // empty while open
  bool hold = false;
  std::string manifestJson;  // manifest.json as written, once sealed
};

class ArchiveStore {
 public:
  // `stateDir` holds the audit journal (audit/journal.jsonl) and the holds
  // (holds/ID). Throws std::runtime_error when they cannot be made.
  ArchiveStore(std::string recordingsDir, const std::string& stateDir);
  ~ArchiveStore();
  ArchiveStore(const ArchiveStore&) = delete;
  ArchiveStore& operator=(const ArchiveStore&) = delete;

  std::vector<ArchiveSummary> List() const;
  std::optional<ArchiveSummary> Get(const std::string& id) const;
  // Puts an archive under legal hold (retention skips it) or releases it;
  // audited. Nothing if there is no such archive.
  std::optional<ArchiveSummary> SetHold(const std::string& id, bool hold);
  // Deletes sealed archives that ended more than `retention` before `now`
  // and are not held; audited. Returns the ids deleted.
  std::vector<std::string> DeleteExpired(std::chrono::system_clock::time_point now, std::chrono::seconds retention);

  const std::string& auditDirectory() const { return auditDir_; }

 private:
  std::optional<ArchiveSummary> Summarize(const std::string& id) const;
  void Audit(const std::string& type, const std::string& id, const std::string& detail);

  const std::string recordingsDir_;
  const std::string auditDir_;
  const std::string holdsDir_;
  mutable std::mutex mutex_;
  std::unique_ptr<ArchiveJournal> audit_;
};

// Whether `id` can name an archive (the room-id alphabet, 1-64 characters).
bool IsArchiveId(const std::string& id);
// RFC 3339 UTC ("2026-11-30T23:59:59.123Z") to a time point; nothing if
// it does not parse.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text);

}  // namespace plenum::recorder
