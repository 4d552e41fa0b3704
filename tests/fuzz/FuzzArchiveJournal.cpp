// libFuzzer target: an archive's journal.jsonl and manifest.json as someone
// may leave them on disk (the input, split at its first NUL byte), read
// and verified. Verification must name a problem or pass, never crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveVerifier.hpp"

namespace {

const std::string& Directory() {
  static const std::string directory = [] {
    char pattern[] = "/tmp/plenum-fuzz-archive.XXXXXX";
    return std::string(::mkdtemp(pattern));
  }();
  return directory;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  std::ofstream(Directory() + "/" + plenum::recorder::kJournalFile, std::ios::binary | std::ios::trunc)
      << input.substr(0, split);
  std::ofstream(Directory() + "/" + plenum::recorder::kManifestFile, std::ios::binary | std::ios::trunc)
      << (split == std::string::npos ? std::string() : input.substr(split + 1));
  const auto result = plenum::recorder::VerifyArchive(Directory(), std::nullopt);
  if (result.outcome == plenum::recorder::ArchiveVerification::Outcome::Tampered && result.problem.empty()) std::abort();
  return 0;
}
