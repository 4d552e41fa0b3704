#include "recorder/ArchiveRecovery.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveManifest.hpp"
#include "recorder/JsonFields.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;

bool IsSealed(const JournalContents& contents) {
  return !contents.entries.empty() && !contents.tornTail &&
         StringMember(json_node_get_object(contents.entries.back().get()), "type") == "sealed";
}

// The newest modification time of the archive's files, RFC 3339.
std::string LastWritten(const std::string& directory) {
  fs::file_time_type newest = fs::file_time_type::min();
  for (const auto& item : fs::recursive_directory_iterator(directory)) {
    if (item.is_regular_file()) newest = std::max(newest, item.last_write_time());
  }
  return FormatRfc3339(std::chrono::file_clock::to_sys(newest));
}

}  // namespace

std::vector<RecoveredArchive> SealInterruptedArchives(const std::string& recordingsDir, const ArchiveKey& key) {
  std::vector<RecoveredArchive> recovered;
  std::error_code error;
  if (!fs::is_directory(recordingsDir, error)) return recovered;
  for (const auto& item : fs::directory_iterator(recordingsDir, error)) {
    const std::string directory = item.path().string();
    if (!item.is_directory() || !fs::exists(item.path() / kJournalFile)) continue;
    const JournalContents contents = ReadJournal(directory);
    if (contents.problem.empty() && IsSealed(contents)) continue;
    RecoveredArchive result{directory, false, {}};
    if (!contents.problem.empty()) {
      result.detail = "left unsealed: " + contents.problem;
      recovered.push_back(std::move(result));
      continue;
    }
    try {
      // It ended when it was last written to, not now (read before the
      // repair below touches the journal).
      const std::string endedAt = LastWritten(directory);
      auto journal = ArchiveJournal::Resume(directory);
      JsonObjectPtr fields(json_object_new());
      json_object_set_string_member(fields.get(), "reason",
                                    contents.tornTail ? "the server stopped mid-write; the last entry was cut off"
                                                      : "the server stopped without closing the recording");
      journal->Append("recording-interrupted", fields.get());
      SealArchive(*journal, key, "interrupted", endedAt);
      result.sealed = true;
      result.detail = "sealed as interrupted after " + std::to_string(contents.entries.size()) + " entries" +
                      (contents.tornTail ? " (a last entry cut short was dropped)" : "");
    } catch (const std::exception& failure) {
      result.detail = std::string("cannot seal: ") + failure.what();
    }
    recovered.push_back(std::move(result));
  }
  return recovered;
}

}  // namespace plenum::recorder
