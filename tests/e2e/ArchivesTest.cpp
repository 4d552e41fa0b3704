// Archives as an auditor and an administrator meet them. The archive key
// and `plenum verify`: the server
// makes its Ed25519 key at first start (private, kept), serves the public
// half at /api/v1/archive-key, and `plenum verify` accepts an archive that
// key signed, names what was changed in one that was tampered with, tells
// a never-sealed one apart, and refuses another signer when a key is
// pinned; a recording the server was writing when it died is sealed at the
// next start. The recordings API lists archives, places and releases legal
// holds, and retention deletes what is past it but never what is held.
// (The archives here are sealed with the server's own key by the recorder
// library; recording a room comes with the recorder's media.)

#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "testclient/ChildProcess.hpp"
#include "testclient/ServerProcess.hpp"
#include "testclient/TemporaryDirectory.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveStore.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kFingerprintMarker = "SHA-256 fingerprint ";
constexpr int kExitUsage = 64;


// The fingerprint on the server's "archive key" line.
std::string ReportedArchiveKey(const ServerProcess& server) {
  const auto line = server.Process().WaitForLine(
      [](const std::string& l) { return l.find("archive key") != std::string::npos; }, 0ms);
  if (!line) return {};
  const std::size_t at = line->find(kFingerprintMarker);
  return at == std::string::npos ? std::string() : line->substr(at + std::char_traits<char>::length(kFingerprintMarker));
}

void MakeArchive(const std::string& directory, const recorder::ArchiveKey& key, bool seal,
                 const std::string& endedAt = recorder::NowRfc3339()) {
  fs::create_directories(fs::path(directory) / "composite");
  std::ofstream(fs::path(directory) / "composite" / "segment-000.webm") << std::string(4096, 'v');
  auto journal = recorder::ArchiveJournal::Create(directory);
  recorder::JsonObjectPtr started(json_object_new());
  json_object_set_string_member(started.get(), "recording", "rec-e2e");
  json_object_set_string_member(started.get(), "room", "audit");
  journal->Append("recording-started", started.get());
  if (seal) recorder::SealArchive(*journal, key, "finished", endedAt);
}

TEST(ArchivesTest, TheKeyIsMadeOnceServedAndSignsWhatVerifyAccepts) {
  TemporaryDirectory data("plenum-archive-data");
  std::string fingerprint, publicKey;
  {
    ServerProcess server({"--data-dir=" + data.Path()});
    fingerprint = ReportedArchiveKey(server);
    ASSERT_EQ(fingerprint.size(), 64u) << server.OutputTail();
    EXPECT_NE(server.OutputTail().find("(made now)"), std::string::npos) << server.OutputTail();
    struct stat info {};
    ASSERT_EQ(::stat((data.Path() + "/archive/ed25519.pem").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);

    const HttpResult answer = server.Get("/api/v1/archive-key");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto json = answer.Json();
    ASSERT_TRUE(json) << answer.body;
    EXPECT_EQ(json->optValue<std::string>("algorithm", ""), "ed25519");
    EXPECT_EQ(json->optValue<std::string>("fingerprint", ""), fingerprint);
    publicKey = json->optValue<std::string>("publicKey", "");
    EXPECT_NE(publicKey.find("BEGIN PUBLIC KEY"), std::string::npos) << answer.body;
  }
  {
    ServerProcess again({"--data-dir=" + data.Path()});
    EXPECT_EQ(ReportedArchiveKey(again), fingerprint) << "a second start did not keep the key";
    EXPECT_EQ(again.OutputTail().find("(made now)"), std::string::npos) << again.OutputTail();
  }

  // An auditor pins the served key and verifies archives with it.
  TemporaryDirectory work("plenum-archive-work");
  const std::string pinned = work.Path() + "/plenum-archive.pem";
  std::ofstream(pinned) << publicKey;
  const recorder::ArchiveKey key = recorder::ArchiveKey::LoadOrCreate(data.Path());
  const std::string archive = work.Path() + "/rec-e2e";
  fs::create_directories(archive);
  MakeArchive(archive, key, true);

  CommandRun run = RunPlenum({"verify", archive, "--public-key=" + pinned});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("intact, finished"), std::string::npos) << run.output;

  TemporaryDirectory otherData("plenum-archive-other");
  const recorder::ArchiveKey otherKey = recorder::ArchiveKey::LoadOrCreate(otherData.Path());
  const std::string otherPem = work.Path() + "/other.pem";
  std::ofstream(otherPem) << otherKey.publicKeyPem();
  run = RunPlenum({"verify", archive, "--public-key=" + otherPem});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("signed by another key"), std::string::npos) << run.output;

  {
    std::fstream media(archive + "/composite/segment-000.webm", std::ios::in | std::ios::out | std::ios::binary);
    media.seekp(1000);
    media.put('X');
  }
  run = RunPlenum({"verify", archive, "--public-key=" + pinned});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("NOT INTACT: changed file composite/segment-000.webm"), std::string::npos) << run.output;

  const std::string unsealed = work.Path() + "/rec-crashed";
  fs::create_directories(unsealed);
  MakeArchive(unsealed, key, false);
  run = RunPlenum({"verify", unsealed});
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("interrupted"), std::string::npos) << run.output;

  EXPECT_EQ(RunPlenum({"verify"}).status, kExitUsage);
  run = RunPlenum({"verify", work.Path() + "/nothing-here"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("is not a directory"), std::string::npos) << run.output;
}

// A recording the server was writing when it died is closed at its next
// start: sealed as interrupted over what it holds, logged, and verifiable.
TEST(ArchivesTest, AnInterruptedRecordingIsSealedAtTheNextStart) {
  TemporaryDirectory data("plenum-archive-data");
  TemporaryDirectory recordings("plenum-archive-recordings");
  const recorder::ArchiveKey key = recorder::ArchiveKey::LoadOrCreate(data.Path());
  const std::string archive = recordings.Path() + "/rec-died";
  fs::create_directories(archive);
  MakeArchive(archive, key, false);
  ASSERT_EQ(RunPlenum({"verify", archive}).status, 2);

  ServerProcess server({"--data-dir=" + data.Path(), "--recordings-dir=" + recordings.Path()});
  EXPECT_NE(server.OutputTail().find("interrupted recording " + archive + ": sealed as interrupted"),
            std::string::npos)
      << server.OutputTail();
  const std::string pem = data.Path() + "/auditor.pem";
  std::ofstream(pem) << key.publicKeyPem();
  const CommandRun pinned = RunPlenum({"verify", archive, "--public-key=" + pem});
  EXPECT_EQ(pinned.status, 0) << pinned.output;
  EXPECT_EQ(RunPlenum({"verify", archive, "--public-key=" + data.Path() + "/no-such.pem"}).status, kExitUsage);
  EXPECT_NE(pinned.output.find("intact, interrupted"), std::string::npos) << pinned.output;
}

// GET until the answer's status is `status`, within `timeout` (scaled).
bool EventuallyStatus(const ServerProcess& server, const std::string& path, int status,
                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.Get(path).status == status) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(ArchivesTest, RecordingsAreListedHeldAndExpireByRetentionUnlessHeld) {
  TemporaryDirectory data("plenum-archive-data");
  TemporaryDirectory recordings("plenum-archive-recordings");
  const recorder::ArchiveKey key = recorder::ArchiveKey::LoadOrCreate(data.Path());
  const std::string tenDaysAgo =
      recorder::FormatRfc3339(std::chrono::system_clock::now() - std::chrono::hours(240));
  for (const char* id : {"old", "kept", "fresh"}) fs::create_directories(recordings.Path() + "/" + id);
  MakeArchive(recordings.Path() + "/old", key, true, tenDaysAgo);
  MakeArchive(recordings.Path() + "/kept", key, true, tenDaysAgo);
  MakeArchive(recordings.Path() + "/fresh", key, true);
  // Held before the server starts, so that its first sweep already spares it.
  recorder::ArchiveStore(recordings.Path(), data.Path() + "/archive").SetHold("kept", true);

  ServerProcess server(
      {"--data-dir=" + data.Path(), "--recordings-dir=" + recordings.Path(), "--retention-days=1"});
  EXPECT_TRUE(EventuallyStatus(server, "/api/v1/recordings/old", 404, 10s)) << server.OutputTail();
  EXPECT_NE(server.OutputTail().find("delete expired recording [recording:old"), std::string::npos)
      << server.OutputTail();

  const HttpResult list = server.Get("/api/v1/recordings");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto listed = list.Json()->getArray("recordings");
  ASSERT_EQ(listed->size(), 2u) << list.body;
  for (std::size_t i = 0; i < listed->size(); ++i) {
    const auto recording = listed->getObject(static_cast<unsigned>(i));
    const std::string id = recording->getValue<std::string>("id");
    EXPECT_EQ(recording->getValue<bool>("hold"), id == "kept") << list.body;
    EXPECT_EQ(recording->getValue<std::string>("state"), "finished") << list.body;
    EXPECT_EQ(recording->getValue<std::string>("room"), "audit") << list.body;
  }

  const HttpResult fresh = server.Get("/api/v1/recordings/fresh");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  const auto manifest = fresh.Json()->getObject("manifest");
  ASSERT_TRUE(manifest) << fresh.body;
  EXPECT_EQ(manifest->getValue<std::string>("room"), "audit");
  EXPECT_EQ(manifest->getObject("signature")->getValue<std::string>("key"), key.fingerprint());

  HttpResult held = server.Post("/api/v1/recordings/fresh/hold", "");
  EXPECT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(held.Json() && held.Json()->getValue<bool>("hold")) << held.body;
  held = server.Delete("/api/v1/recordings/fresh/hold");
  EXPECT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(held.Json() && !held.Json()->getValue<bool>("hold")) << held.body;
  EXPECT_EQ(server.Post("/api/v1/recordings/nope/hold", "").status, 404);
  EXPECT_EQ(server.Get("/api/v1/recordings/..%2Fold").status, 404);

  // Released, the old one that was kept goes too; the fresh one stays.
  EXPECT_EQ(server.Delete("/api/v1/recordings/kept/hold").status, 200);
  EXPECT_TRUE(EventuallyStatus(server, "/api/v1/recordings/kept", 404, 10s)) << server.OutputTail();
  EXPECT_EQ(server.Get("/api/v1/recordings/fresh").status, 200);
}

}  // namespace
}  // namespace plenum::test
