#include "recorder/ArchiveStore.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveManifest.hpp"
#include "recorder/JsonFields.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool IsArchiveId(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text) {
  std::tm utc{};
  int millis = 0;
  char zone = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &utc.tm_year, &utc.tm_mon, &utc.tm_mday,
                  &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &millis, &zone) != 8 ||
      zone != 'Z')
    return std::nullopt;
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  const std::time_t seconds = timegm(&utc);
  if (seconds < 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

ArchiveStore::ArchiveStore(std::string recordingsDir, const std::string& stateDir)
    : recordingsDir_(std::move(recordingsDir)), auditDir_(stateDir + "/audit"), holdsDir_(stateDir + "/holds") {
  std::error_code error;
  fs::create_directories(auditDir_, error);
  fs::create_directories(holdsDir_, error);
  if (!fs::is_directory(auditDir_) || !fs::is_directory(holdsDir_))
    throw std::runtime_error("cannot make " + auditDir_ + " and " + holdsDir_);
  audit_ = fs::exists(fs::path(auditDir_) / kJournalFile) ? ArchiveJournal::Resume(auditDir_)
                                                          : ArchiveJournal::Create(auditDir_);
}

ArchiveStore::~ArchiveStore() = default;

std::optional<ArchiveSummary> ArchiveStore::Summarize(const std::string& id) const {
  if (!IsArchiveId(id)) return std::nullopt;
  const fs::path directory = fs::path(recordingsDir_) / id;
  if (!fs::exists(directory / kJournalFile)) return std::nullopt;
  const JournalContents journal = ReadJournal(directory.string());
  ArchiveSummary summary;
  summary.id = id;
  summary.directory = directory.string();
  summary.state = "recording";
  summary.hold = fs::exists(fs::path(holdsDir_) / id);
  for (const JsonNodePtr& node : journal.entries) {
    JsonObject* entry = json_node_get_object(node.get());
    const std::string type = StringMember(entry, "type");
    if (type == "recording-started") {
      summary.room = StringMember(entry, "room");
      summary.startedAt = StringMember(entry, "at");
    } else if (type == "sealed") {
      summary.state = StringMember(entry, "state");
      summary.endedAt = StringMember(entry, "at");
      summary.manifestJson = ReadFile(directory / kManifestFile);
    }
  }
  return summary;
}

std::vector<ArchiveSummary> ArchiveStore::List() const {
  std::lock_guard lock(mutex_);
  std::vector<ArchiveSummary> archives;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(recordingsDir_, error)) {
    if (!item.is_directory()) continue;
    if (auto summary = Summarize(item.path().filename().string())) archives.push_back(std::move(*summary));
  }
  std::sort(archives.begin(), archives.end(),
            [](const ArchiveSummary& a, const ArchiveSummary& b) { return a.startedAt < b.startedAt; });
  return archives;
}

std::optional<ArchiveSummary> ArchiveStore::Get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return Summarize(id);
}

std::optional<ArchiveSummary> ArchiveStore::SetHold(const std::string& id, bool hold) {
  std::lock_guard lock(mutex_);
  std::optional<ArchiveSummary> summary = Summarize(id);
  if (!summary) return std::nullopt;
  const fs::path marker = fs::path(holdsDir_) / id;
  if (hold != summary->hold) {
    if (hold) {
      std::ofstream(marker).flush();
      if (!fs::exists(marker)) throw std::runtime_error("cannot write " + marker.string());
    } else {
      fs::remove(marker);
    }
    Audit(hold ? "hold" : "release", id, summary->room);
    summary->hold = hold;
  }
  return summary;
}

std::vector<std::string> ArchiveStore::DeleteExpired(std::chrono::system_clock::time_point now,
                                                     std::chrono::seconds retention) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> deleted;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(recordingsDir_, error)) {
    if (!item.is_directory()) continue;
    const std::optional<ArchiveSummary> summary = Summarize(item.path().filename().string());
    if (!summary || summary->hold || summary->endedAt.empty()) continue;  // held, or still being written
    const auto ended = ParseRfc3339(summary->endedAt);
    if (!ended || now - *ended < retention) continue;
    std::error_code removeError;
    fs::remove_all(summary->directory, removeError);
    if (removeError) continue;
    Audit("deleted", summary->id, summary->room + ", ended " + summary->endedAt);
    deleted.push_back(summary->id);
  }
  return deleted;
}

void ArchiveStore::Audit(const std::string& type, const std::string& id, const std::string& detail) {
  JsonObjectPtr fields(json_object_new());
  json_object_set_string_member(fields.get(), "recording", id.c_str());
  json_object_set_string_member(fields.get(), "detail", detail.c_str());
  audit_->Append(type, fields.get());
}

}  // namespace plenum::recorder
