#include "recorder/ArchiveJournal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveManifest.hpp"
#include "recorder/Sha256.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;

// Room for the journal's entries (a few hundred bytes each) taken up front
// without growing the file, so that media filling the disk does not stop
// the journal; and room for sealing (its last entries, the manifest).
constexpr off_t kJournalPreallocBytes = 256 * 1024;
constexpr off_t kSealReserveBytes = 256 * 1024;

void WriteDurably(std::FILE* file, const std::string& text, const std::string& what) {
  if (std::fwrite(text.data(), 1, text.size(), file) != text.size() || std::fflush(file) != 0 ||
      ::fsync(fileno(file)) != 0)
    throw std::runtime_error("cannot write " + what + ": " + std::strerror(errno));
}

}  // namespace

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

std::string NowRfc3339() { return FormatRfc3339(std::chrono::system_clock::now()); }

std::unique_ptr<ArchiveJournal> ArchiveJournal::Create(const std::string& directory) {
  const std::string path = directory + "/" + kJournalFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, kJournalPreallocBytes);  // best effort
  std::FILE* file = ::fdopen(fd, "w");
  if (!file) {
    ::close(fd);
    throw std::runtime_error("cannot open " + path);
  }
  return std::unique_ptr<ArchiveJournal>(new ArchiveJournal(directory, file, kChainStart, 0));
}

std::unique_ptr<ArchiveJournal> ArchiveJournal::Resume(const std::string& directory) {
  const JournalContents contents = ReadJournal(directory);
  if (!contents.problem.empty()) throw std::runtime_error(contents.problem);
  const std::string path = directory + "/" + kJournalFile;
  if (::truncate(path.c_str(), static_cast<off_t>(contents.validBytes)) != 0)
    throw std::runtime_error("cannot repair " + path + ": " + std::strerror(errno));
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (!file) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return std::unique_ptr<ArchiveJournal>(
      new ArchiveJournal(directory, file, contents.head, static_cast<int>(contents.entries.size())));
}

ArchiveJournal::ArchiveJournal(std::string directory, std::FILE* file, std::string head, int entries)
    : directory_(std::move(directory)), file_(file), head_(std::move(head)), entries_(entries) {}

ArchiveJournal::~ArchiveJournal() { std::fclose(file_); }

void ArchiveJournal::Append(const std::string& type, JsonObject* fields, const std::string& at) {
  // Members in a fixed order: sequence, time, type, the event's own, prev.
  JsonObjectPtr entry(json_object_new());
  json_object_set_int_member(entry.get(), "seq", entries_);
  json_object_set_string_member(entry.get(), "at", at.c_str());
  json_object_set_string_member(entry.get(), "type", type.c_str());
  if (fields) {
    JsonObjectIter iter;
    const gchar* name = nullptr;
    JsonNode* value = nullptr;
    json_object_iter_init(&iter, fields);
    while (json_object_iter_next(&iter, &name, &value))
      json_object_set_member(entry.get(), name, json_node_copy(value));
  }
  json_object_set_string_member(entry.get(), "prev", head_.c_str());
  JsonNodePtr node(json_node_new(JSON_NODE_OBJECT));
  json_node_set_object(node.get(), entry.get());
  const std::string line = CompactJson(node.get());
  WriteDurably(file_, line + "\n", directory_ + "/" + kJournalFile);
  head_ = Sha256Hex(line);
  ++entries_;
}

bool ReserveSealSpace(const std::string& directory) {
  const std::string path = directory + "/" + kReserveFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool reserved = ::posix_fallocate(fd, 0, kSealReserveBytes) == 0;
  ::close(fd);
  if (!reserved) ::unlink(path.c_str());
  return reserved;
}

void ReleaseSealSpace(const std::string& directory) {
  ::unlink((directory + "/" + kReserveFile).c_str());
}

void SealArchive(ArchiveJournal& journal, const ArchiveKey& key, const std::string& state,
                 const std::string& endedAt) {
  const std::string& directory = journal.directory();
  ReleaseSealSpace(directory);
  JsonArray* files = json_array_new();
  for (const std::string& path : ArchiveMediaFiles(directory)) {
    const std::string full = directory + "/" + path;
    const auto digest = FileSha256Hex(full);
    if (!digest) {
      json_array_unref(files);
      throw std::runtime_error("cannot read " + full);
    }
    JsonObject* file = json_object_new();
    json_object_set_string_member(file, "path", path.c_str());
    json_object_set_int_member(file, "size", static_cast<gint64>(fs::file_size(full)));
    json_object_set_string_member(file, "sha256", digest->c_str());
    json_array_add_object_element(files, file);
  }
  JsonObjectPtr fields(json_object_new());
  json_object_set_string_member(fields.get(), "state", state.c_str());
  json_object_set_array_member(fields.get(), "files", files);
  journal.Append("sealed", fields.get(), endedAt);

  JournalContents contents = ReadJournal(directory);
  if (!contents.problem.empty()) throw std::runtime_error("the journal does not read back: " + contents.problem);
  JsonNodePtr manifest = ManifestFromJournal(contents.entries, contents.head);
  JsonObject* signature = json_object_new();
  json_object_set_string_member(signature, "algorithm", "ed25519");
  json_object_set_string_member(signature, "key", key.fingerprint().c_str());
  json_object_set_string_member(signature, "publicKey", key.publicKeyPem().c_str());
  json_object_set_string_member(signature, "signs", "chain.head");
  json_object_set_string_member(signature, "value", key.Sign(contents.head).c_str());
  json_object_set_object_member(json_node_get_object(manifest.get()), "signature", signature);

  JsonGeneratorPtr generator(json_generator_new());
  json_generator_set_pretty(generator.get(), TRUE);
  json_generator_set_root(generator.get(), manifest.get());
  gchar* text = json_generator_to_data(generator.get(), nullptr);
  const std::string pretty = std::string(text) + "\n";
  g_free(text);
  const std::string temporary = directory + "/" + kManifestFile + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  if (!file) throw std::runtime_error("cannot write " + temporary + ": " + std::strerror(errno));
  try {
    WriteDurably(file, pretty, temporary);
  } catch (...) {
    std::fclose(file);
    throw;
  }
  std::fclose(file);
  fs::rename(temporary, directory + "/" + kManifestFile);
}

}  // namespace plenum::recorder
