// A recording's journal: one JSON object per line in journal.jsonl, each
// naming the SHA-256 of the line before it ("prev"), written and fsync'd as
// things happen. A crash leaves a chain that verifies up to the last line
// written; the last line of a finished recording seals it (its files with
// their sizes and hashes), and manifest.json signs the chain's head.
#pragma once

#include <json-glib/json-glib.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "recorder/JsonOwners.hpp"

namespace plenum::recorder {

class ArchiveKey;

// A time as RFC 3339 UTC with milliseconds ("2026-11-30T23:59:59.123Z").
std::string FormatRfc3339(std::chrono::system_clock::time_point time);
std::string NowRfc3339();

constexpr const char* kJournalFile = "journal.jsonl";
constexpr const char* kManifestFile = "manifest.json";
// Disk set aside in an open archive (see ReserveSealSpace).
constexpr const char* kReserveFile = ".seal-reserve";
// The "prev" of the first entry.
inline const std::string kChainStart(64, '0');

class ArchiveJournal {
 public:
  // Starts `directory`'s journal (the directory exists; the journal must
  // not). Throws std::runtime_error naming the file.
  static std::unique_ptr<ArchiveJournal> Create(const std::string& directory);
  // Continues `directory`'s journal after a crash: a last line cut short is
  // cut off, and appends chain on from the last whole entry. Throws
  // std::runtime_error when the journal does not chain (it is not the
  // server's to repair then) or cannot be written.
  static std::unique_ptr<ArchiveJournal> Resume(const std::string& directory);
  ~ArchiveJournal();
  ArchiveJournal(const ArchiveJournal&) = delete;
  ArchiveJournal& operator=(const ArchiveJournal&) = delete;

  // Appends an entry of `type` with the members of `fields` (may be null),
  // stamped with its sequence number and the time (now, or `at` for an
  // event that happened earlier), flushed and fsync'd. Throws
  // std::runtime_error when the disk refuses it.
  void Append(const std::string& type, JsonObject* fields, const std::string& at = NowRfc3339());

  const std::string& directory() const { return directory_; }
  const std::string& head() const { return head_; }
  int entries() const { return entries_; }

 private:
  ArchiveJournal(std::string directory, std::FILE* file, std::string head, int entries);

  std::string directory_;
  std::FILE* file_;
  std::string head_ = kChainStart;
  int entries_ = 0;
};

// Sets aside room in `directory` for sealing it (the last journal entries
// and manifest.json), so that media filling the disk still lets the
// recording end as a signed archive; SealArchive gives it back first.
// Best effort: false when the file system cannot set space aside.
bool ReserveSealSpace(const std::string& directory);
void ReleaseSealSpace(const std::string& directory);

// Ends a recording: hashes every media file of the directory, appends the
// "sealed" entry (state, files), and writes manifest.json, derived from the
// journal and signed with `key` (written to a temporary file, fsync'd,
// renamed). Throws std::runtime_error.
// `endedAt`: when the recording ended (now, unless it ended earlier, as one
// interrupted by a crash did).
void SealArchive(ArchiveJournal& journal, const ArchiveKey& key, const std::string& state,
                 const std::string& endedAt = NowRfc3339());

}  // namespace plenum::recorder
