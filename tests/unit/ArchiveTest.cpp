// Compliance archives without media: the archive key, the journal's chain,
// sealing, and verification naming the first thing tampered with.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveManifest.hpp"
#include "recorder/ArchiveRecovery.hpp"
#include "recorder/ArchiveStore.hpp"
#include "recorder/ArchiveVerifier.hpp"
#include "recorder/Sha256.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;
using Outcome = ArchiveVerification::Outcome;

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    char pattern[] = "/tmp/plenum-archive-test.XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TemporaryDirectory() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Unlines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

JsonObjectPtr Fields(std::initializer_list<std::pair<const char*, const char*>> members) {
  JsonObjectPtr object(json_object_new());
  for (const auto& [name, value] : members) json_object_set_string_member(object.get(), name, value);
  return object;
}

// A finished recording of a room with one participant and two media files.
void MakeArchive(const std::string& directory, const ArchiveKey& key, bool seal = true,
                 const std::string& endedAt = NowRfc3339()) {
  Write(fs::path(directory) / "composite" / "segment-000.webm", std::string(5000, 'c'));
  Write(fs::path(directory) / "participants" / "p1-1.webm", std::string(3000, 'p'));
  auto journal = ArchiveJournal::Create(directory);
  journal->Append("recording-started", Fields({{"recording", "rec-1"}, {"room", "council"}}).get());
  journal->Append("participant-joined", Fields({{"participant", "p1"}, {"name", "Ann"}}).get());
  journal->Append("participant-left", Fields({{"participant", "p1"}}).get());
  if (seal) SealArchive(*journal, key, "finished", endedAt);
}

TEST(ArchiveKey, IsMadeOnceKeptPrivateAndSigns) {
  TemporaryDirectory data;
  bool created = false;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path(), &created);
  EXPECT_TRUE(created);
  struct stat info {};
  ASSERT_EQ(::stat(key.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((data.path() + "/archive").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(key.fingerprint().size(), 64u);
  EXPECT_NE(key.publicKeyPem().find("BEGIN PUBLIC KEY"), std::string::npos);

  const ArchiveKey again = ArchiveKey::LoadOrCreate(data.path(), &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(again.fingerprint(), key.fingerprint());

  EvpPkeyOwner pub = ParsePublicKey(key.publicKeyPem());
  ASSERT_TRUE(pub);
  EXPECT_EQ(PublicKeyFingerprint(pub.get()), key.fingerprint());
  const std::string signature = key.Sign("head");
  EXPECT_TRUE(VerifySignature(pub.get(), "head", signature));
  EXPECT_FALSE(VerifySignature(pub.get(), "heaD", signature));
  EXPECT_FALSE(VerifySignature(pub.get(), "head", "not base64"));
}

TEST(ArchiveKey, AnUnreadableKeyIsNamed) {
  TemporaryDirectory data;
  Write(fs::path(data.path()) / "archive" / "ed25519.pem", "garbage");
  try {
    ArchiveKey::LoadOrCreate(data.path());
    FAIL() << "a garbage key was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("ed25519.pem"), std::string::npos) << error.what();
  }
}

TEST(Archive, AFinishedRecordingVerifiesAndItsManifestSaysWhatHappened) {
  TemporaryDirectory data, archive;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path());
  MakeArchive(archive.path(), key);
  const ArchiveVerification result = VerifyArchive(archive.path(), key.publicKeyPem());
  EXPECT_EQ(result.outcome, Outcome::Intact) << result.problem;
  EXPECT_EQ(result.state, "finished");
  EXPECT_EQ(result.entries, 4);
  EXPECT_EQ(result.signer, key.fingerprint());

  const std::string manifest = Read(fs::path(archive.path()) / kManifestFile);
  for (const char* expected : {"\"room\" : \"council\"", "\"recording\" : \"rec-1\"", "\"name\" : \"Ann\"",
                               "\"leftAt\"", "\"path\" : \"composite/segment-000.webm\"", "\"size\" : 5000",
                               "\"state\" : \"finished\"", "\"algorithm\" : \"ed25519\""})
    EXPECT_NE(manifest.find(expected), std::string::npos) << expected << " not in\n" << manifest;
  EXPECT_NE(manifest.find(*FileSha256Hex(archive.path() + "/participants/p1-1.webm")), std::string::npos);
}

// Each way an archive can be changed after the fact, and what verify says.
TEST(Archive, VerifyNamesTheFirstThingTamperedWith) {
  TemporaryDirectory data, otherData;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path());
  const ArchiveKey otherKey = ArchiveKey::LoadOrCreate(otherData.path());
  const std::string journalFile = kJournalFile;
  const std::string manifestFile = kManifestFile;

  // Re-chains the journal from `lines` onwards, as someone who edited an
  // entry would, and rewrites the manifest to match (keeping the old
  // signature, or signing with `signer`).
  const auto rechain = [&](const std::string& dir, std::vector<std::string> lines, const ArchiveKey* signer) {
    const std::string original = Read(fs::path(dir) / manifestFile);
    fs::remove(fs::path(dir) / journalFile);
    fs::remove(fs::path(dir) / manifestFile);
    auto journal = ArchiveJournal::Create(dir);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
      JsonParserPtr parser(json_parser_new());
      json_parser_load_from_data(parser.get(), lines[i].c_str(), -1, nullptr);
      JsonObject* entry = json_node_get_object(json_parser_get_root(parser.get()));
      const std::string type = json_object_get_string_member(entry, "type");
      for (const char* stamp : {"seq", "at", "type", "prev"}) json_object_remove_member(entry, stamp);
      journal->Append(type, entry);
    }
    SealArchive(*journal, signer ? *signer : key, "finished");
    if (!signer) {  // put the original signature back: the attacker has no key
      const std::string now = Read(fs::path(dir) / manifestFile);
      const auto signatureAt = [](const std::string& text) { return text.find("\"signature\""); };
      Write(fs::path(dir) / manifestFile, now.substr(0, signatureAt(now)) + original.substr(signatureAt(original)));
    }
  };

  struct Case {
    const char* what;
    std::function<void(const std::string&)> tamper;
    const char* problem;
    bool pinKey = true;
  };
  const std::vector<Case> cases = {
      {"a byte flipped in a media file",
       [](const std::string& dir) {
         std::string bytes = Read(fs::path(dir) / "composite/segment-000.webm");
         bytes[100] ^= 1;
         Write(fs::path(dir) / "composite/segment-000.webm", bytes);
       },
       "changed file composite/segment-000.webm"},
      {"a media file deleted", [](const std::string& dir) { fs::remove(fs::path(dir) / "participants/p1-1.webm"); },
       "missing file participants/p1-1.webm"},
      {"a file added", [](const std::string& dir) { Write(fs::path(dir) / "extra.webm", "x"); },
       "extra file extra.webm"},
      {"an entry edited",
       [&](const std::string& dir) {
         std::vector<std::string> lines = Lines(Read(fs::path(dir) / journalFile));
         lines[1].replace(lines[1].find("Ann"), 3, "Bob");
         Write(fs::path(dir) / journalFile, Unlines(lines));
       },
       "journal.jsonl entry 2 does not chain"},
      {"an entry removed",
       [&](const std::string& dir) {
         std::vector<std::string> lines = Lines(Read(fs::path(dir) / journalFile));
         lines.erase(lines.begin() + 2);
         Write(fs::path(dir) / journalFile, Unlines(lines));
       },
       "journal.jsonl entry 2 is out of sequence"},
      {"entries reordered",
       [&](const std::string& dir) {
         std::vector<std::string> lines = Lines(Read(fs::path(dir) / journalFile));
         std::swap(lines[1], lines[2]);
         Write(fs::path(dir) / journalFile, Unlines(lines));
       },
       "journal.jsonl entry 1 is out of sequence"},
      {"the manifest edited",
       [&](const std::string& dir) {
         std::string text = Read(fs::path(dir) / manifestFile);
         text.replace(text.find("council"), 7, "cabinet");
         Write(fs::path(dir) / manifestFile, text);
       },
       "manifest.json does not match its journal"},
      {"an entry edited and the chain and manifest remade",
       [&](const std::string& dir) {
         std::vector<std::string> lines = Lines(Read(fs::path(dir) / journalFile));
         lines[1].replace(lines[1].find("Ann"), 3, "Bob");
         rechain(dir, lines, nullptr);
       },
       "bad signature"},
      {"the signature removed",
       [&](const std::string& dir) {
         std::string text = Read(fs::path(dir) / manifestFile);
         const std::size_t at = text.find(",\n  \"signature\"");
         Write(fs::path(dir) / manifestFile, text.substr(0, at) + "\n}\n");
       },
       "the manifest is not signed"},
      {"remade and signed by someone else",
       [&](const std::string& dir) {
         std::vector<std::string> lines = Lines(Read(fs::path(dir) / journalFile));
         lines[1].replace(lines[1].find("Ann"), 3, "Bob");
         rechain(dir, lines, &otherKey);
       },
       "signed by another key"},
  };
  for (const Case& c : cases) {
    TemporaryDirectory archive;
    MakeArchive(archive.path(), key);
    ASSERT_EQ(VerifyArchive(archive.path(), key.publicKeyPem()).outcome, Outcome::Intact) << c.what;
    c.tamper(archive.path());
    const ArchiveVerification result = VerifyArchive(archive.path(), key.publicKeyPem());
    EXPECT_EQ(result.outcome, Outcome::Tampered) << c.what;
    EXPECT_NE(result.problem.find(c.problem), std::string::npos) << c.what << ": " << result.problem;
  }
}

TEST(Archive, ACrashedRecordingIsUnsealedButItsChainHolds) {
  TemporaryDirectory data, archive;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path());
  MakeArchive(archive.path(), key, false);
  // A crash mid-write: half a line at the end.
  std::ofstream(fs::path(archive.path()) / kJournalFile, std::ios::app) << R"({"seq":3,"at":"20)";
  const ArchiveVerification torn = VerifyArchive(archive.path(), std::nullopt);
  EXPECT_EQ(torn.outcome, Outcome::Unsealed) << torn.problem;
  EXPECT_EQ(torn.entries, 3);
  EXPECT_NE(torn.problem.find("cut short"), std::string::npos) << torn.problem;
  // The same half line with a newline after it is no crash but an edit.
  std::ofstream(fs::path(archive.path()) / kJournalFile, std::ios::app) << "\n";
  const ArchiveVerification edited = VerifyArchive(archive.path(), std::nullopt);
  EXPECT_EQ(edited.outcome, Outcome::Tampered) << edited.problem;
  EXPECT_NE(edited.problem.find("entry 3 is not a JSON object"), std::string::npos) << edited.problem;

  TemporaryDirectory clean;
  MakeArchive(clean.path(), key, false);
  const ArchiveVerification result = VerifyArchive(clean.path(), std::nullopt);
  EXPECT_EQ(result.outcome, Outcome::Unsealed) << result.problem;
  EXPECT_EQ(result.state, "interrupted");
  EXPECT_EQ(result.entries, 3);
}

// The next start seals what the last run left open, over what it holds,
// and leaves alone what is finished or does not chain.
TEST(Archive, InterruptedRecordingsAreSealedAsInterruptedAndVerify) {
  TemporaryDirectory data, recordings;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path());
  const std::string finished = recordings.path() + "/finished";
  const std::string crashed = recordings.path() + "/crashed";
  const std::string torn = recordings.path() + "/torn";
  const std::string broken = recordings.path() + "/broken";
  for (const std::string& dir : {finished, crashed, torn, broken}) fs::create_directories(dir);
  MakeArchive(finished, key);
  MakeArchive(crashed, key, false);
  MakeArchive(torn, key, false);
  std::ofstream(fs::path(torn) / kJournalFile, std::ios::app) << R"({"seq":3,"at")";
  MakeArchive(broken, key, false);
  std::vector<std::string> lines = Lines(Read(fs::path(broken) / kJournalFile));
  std::swap(lines[1], lines[2]);
  Write(fs::path(broken) / kJournalFile, Unlines(lines));
  const std::string finishedManifest = Read(fs::path(finished) / kManifestFile);

  const std::vector<RecoveredArchive> recovered = SealInterruptedArchives(recordings.path(), key);
  ASSERT_EQ(recovered.size(), 3u);
  for (const RecoveredArchive& archive : recovered) {
    if (archive.directory == broken) {
      EXPECT_FALSE(archive.sealed);
      EXPECT_NE(archive.detail.find("out of sequence"), std::string::npos) << archive.detail;
      continue;
    }
    EXPECT_TRUE(archive.sealed) << archive.directory << ": " << archive.detail;
    const ArchiveVerification result = VerifyArchive(archive.directory, key.publicKeyPem());
    EXPECT_EQ(result.outcome, Outcome::Intact) << archive.directory << ": " << result.problem;
    EXPECT_EQ(result.state, "interrupted");
    EXPECT_EQ(result.entries, 5) << "three written, one saying so, the seal";
  }
  EXPECT_EQ(Read(fs::path(finished) / kManifestFile), finishedManifest) << "a finished archive was touched";
  EXPECT_EQ(VerifyArchive(broken, std::nullopt).outcome, Outcome::Tampered);
  EXPECT_TRUE(SealInterruptedArchives(recordings.path(), key).size() == 1) << "only the broken one stays open";
}

std::vector<std::string> AuditTypes(const std::string& stateDir) {
  const JournalContents audit = ReadJournal(stateDir + "/audit");
  EXPECT_TRUE(audit.problem.empty()) << audit.problem;
  std::vector<std::string> types;
  for (const JsonNodePtr& entry : audit.entries)
    types.push_back(json_object_get_string_member(json_node_get_object(entry.get()), "type"));
  return types;
}

// Retention deletes finished recordings past it, never a held or an open
// one; every hold, release and deletion is in the audit journal, which a
// restart continues.
TEST(ArchiveStore, ListsHoldsAndDeletesOnlyWhatRetentionAllows) {
  TemporaryDirectory data, recordings;
  const ArchiveKey key = ArchiveKey::LoadOrCreate(data.path());
  const std::string tenDaysAgo = FormatRfc3339(std::chrono::system_clock::now() - std::chrono::hours(240));
  for (const char* id : {"old-held", "old", "new", "open"}) fs::create_directories(recordings.path() + "/" + id);
  MakeArchive(recordings.path() + "/old-held", key, true, tenDaysAgo);
  MakeArchive(recordings.path() + "/old", key, true, tenDaysAgo);
  MakeArchive(recordings.path() + "/new", key);
  MakeArchive(recordings.path() + "/open", key, false);
  const std::string stateDir = data.path() + "/archive";
  const auto day = std::chrono::hours(24);
  {
    ArchiveStore store(recordings.path(), stateDir);
    const std::vector<ArchiveSummary> all = store.List();
    ASSERT_EQ(all.size(), 4u);
    for (const ArchiveSummary& archive : all) {
      EXPECT_EQ(archive.room, "council") << archive.id;
      EXPECT_EQ(archive.state, archive.id == "open" ? "recording" : "finished") << archive.id;
      EXPECT_EQ(archive.manifestJson.empty(), archive.id == "open") << archive.id;
    }
    EXPECT_EQ(store.Get("old")->endedAt, tenDaysAgo);
    EXPECT_FALSE(store.Get("missing"));
    EXPECT_FALSE(store.Get("../old"));
    EXPECT_FALSE(store.SetHold("../old", true));

    ASSERT_TRUE(store.SetHold("old-held", true)->hold);
    EXPECT_EQ(store.DeleteExpired(std::chrono::system_clock::now(), day), std::vector<std::string>{"old"});
    for (const char* kept : {"old-held", "new", "open"}) EXPECT_TRUE(fs::exists(recordings.path() + "/" + kept)) << kept;
    EXPECT_FALSE(fs::exists(recordings.path() + "/old"));

    EXPECT_FALSE(store.SetHold("old-held", false)->hold);
    EXPECT_EQ(store.DeleteExpired(std::chrono::system_clock::now(), day), std::vector<std::string>{"old-held"});
  }
  ArchiveStore restarted(recordings.path(), stateDir);
  EXPECT_TRUE(restarted.SetHold("new", true)->hold);
  EXPECT_TRUE(restarted.Get("new")->hold) << "a hold outlives the store";
  EXPECT_EQ(AuditTypes(stateDir), (std::vector<std::string>{"hold", "deleted", "release", "deleted", "hold"}));
  EXPECT_EQ(VerifyArchive(recordings.path() + "/new", key.publicKeyPem()).outcome, Outcome::Intact)
      << "a hold changed the archive";
}

}  // namespace
}  // namespace plenum::recorder
