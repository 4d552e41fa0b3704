// At start: recordings the server was writing when it died are closed as
// `interrupted`: a last entry cut short is cut off, an entry says so, and
// the archive is sealed and signed over what it holds, so that it verifies.
// A journal that does not chain is left as it is (sealing it would vouch
// for a change), and reported.
#pragma once

#include <string>
#include <vector>

namespace plenum::recorder {

class ArchiveKey;

struct RecoveredArchive {
  std::string directory;
  bool sealed = false;
  std::string detail;  // what was done, or why not
};

// Every direct subdirectory of `recordingsDir` with a journal and no seal.
std::vector<RecoveredArchive> SealInterruptedArchives(const std::string& recordingsDir, const ArchiveKey& key);

}  // namespace plenum::recorder
