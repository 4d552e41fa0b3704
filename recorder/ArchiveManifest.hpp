// Reading a journal back and deriving the manifest from it: what sealing
// writes and what verification recomputes, so the two cannot disagree.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "recorder/JsonOwners.hpp"

namespace plenum::recorder {

struct JournalContents {
  std::vector<JsonNodePtr> entries;  // each an object, in order
  std::string head;                  // SHA-256 of the last line (the chain start if none)
  std::string problem;               // empty if every line parses and chains
  bool tornTail = false;             // the last line was cut short (a crash mid-write) and is left out
  std::size_t validBytes = 0;        // length of the lines that chain, newlines included
};

// Reads `directory`/journal.jsonl and checks the chain: each line parses as
// an object whose "seq" is its index and whose "prev" is the previous
// line's hash. Stops at the first problem, which names the entry. A last
// line without its newline that does not parse is a write the server did
// not finish: it is left out, not a problem.
JournalContents ReadJournal(const std::string& directory);

// The manifest, without its signature: recording, room, state, start and
// end, participants with join and leave times, files, the timeline (every
// entry) and the chain's length and head.
JsonNodePtr ManifestFromJournal(const std::vector<JsonNodePtr>& entries, const std::string& head);

// An archive's media files: every file under `directory` but the journal
// and the manifest (and a manifest being written), relative, sorted.
std::vector<std::string> ArchiveMediaFiles(const std::string& directory);

// Compact JSON of a node (the form journal lines and signatures use).
std::string CompactJson(JsonNode* node);

}  // namespace plenum::recorder
