#include "recorder/ArchiveVerifier.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveManifest.hpp"
#include "recorder/JsonFields.hpp"
#include "recorder/Sha256.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;
using Outcome = ArchiveVerification::Outcome;

ArchiveVerification Fail(ArchiveVerification result, std::string problem) {
  result.outcome = Outcome::Tampered;
  result.problem = std::move(problem);
  return result;
}

}  // namespace

ArchiveVerification VerifyArchive(const std::string& directory, const std::optional<std::string>& pinnedPublicKeyPem) {
  ArchiveVerification result;
  if (!fs::is_directory(directory)) return Fail(result, directory + " is not a directory");

  // 1. The chain.
  JournalContents journal = ReadJournal(directory);
  result.entries = static_cast<int>(journal.entries.size());
  if (!journal.problem.empty()) return Fail(result, journal.problem);
  if (journal.entries.empty()) return Fail(result, std::string(kJournalFile) + " is empty");
  JsonObject* last = json_node_get_object(journal.entries.back().get());
  if (StringMember(last, "type") != "sealed" || journal.tornTail) {
    // A recording the server never closed (it died, and has not started
    // since to seal it): the chain holds, nothing vouches for the files.
    result.outcome = Outcome::Unsealed;
    result.state = "interrupted";
    result.problem = "not sealed: the chain holds through entry " + std::to_string(result.entries - 1) +
                     (journal.tornTail ? " (the entry after it was cut short)" : "") +
                     ", but no signature covers the files";
    return result;
  }
  result.state = StringMember(last, "state");

  // 2. The files: exactly the sealed ones, unchanged.
  std::map<std::string, std::pair<gint64, std::string>> sealed;
  JsonNode* filesNode = json_object_get_member(last, "files");
  if (!filesNode || !JSON_NODE_HOLDS_ARRAY(filesNode)) return Fail(result, "the seal lists no files");
  JsonArray* files = json_node_get_array(filesNode);
  for (guint i = 0; i < json_array_get_length(files); ++i) {
    JsonObject* file = json_array_get_object_element(files, i);
    if (!file) return Fail(result, "the seal's file list is malformed");
    sealed[StringMember(file, "path")] = {IntMember(file, "size"), StringMember(file, "sha256")};
  }
  const std::vector<std::string> mediaFiles = ArchiveMediaFiles(directory);
  const std::set<std::string> present(mediaFiles.begin(), mediaFiles.end());
  for (const auto& [path, expected] : sealed) {
    if (!present.count(path)) return Fail(result, "missing file " + path);
    const std::string full = directory + "/" + path;
    const auto digest = FileSha256Hex(full);
    if (static_cast<gint64>(fs::file_size(full)) != expected.first || !digest || *digest != expected.second)
      return Fail(result, "changed file " + path);
  }
  for (const std::string& path : present) {
    if (!sealed.count(path)) return Fail(result, "extra file " + path);
  }

  // 3. The manifest says what the journal says, and is signed.
  JsonParserPtr parser(json_parser_new());
  if (!json_parser_load_from_file(parser.get(), (directory + "/" + kManifestFile).c_str(), nullptr))
    return Fail(result, std::string("missing or unreadable ") + kManifestFile);
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) return Fail(result, std::string(kManifestFile) + " is not an object");
  JsonNodePtr manifest(json_node_copy(root));
  JsonObject* manifestObject = json_node_get_object(manifest.get());
  JsonNode* signatureNode = json_object_get_member(manifestObject, "signature");
  if (!signatureNode || !JSON_NODE_HOLDS_OBJECT(signatureNode)) return Fail(result, "the manifest is not signed");
  JsonObject* signature = json_node_get_object(signatureNode);
  JsonObjectPtr signatureCopy(json_object_ref(signature));
  json_object_remove_member(manifestObject, "signature");
  JsonNodePtr expected = ManifestFromJournal(journal.entries, journal.head);
  if (!json_node_equal(manifest.get(), expected.get()))
    return Fail(result, std::string(kManifestFile) + " does not match its journal (edited)");

  EvpPkeyOwner signer = ParsePublicKey(StringMember(signatureCopy.get(), "publicKey"));
  if (!signer) return Fail(result, "the manifest's public key is not an Ed25519 key");
  result.signer = PublicKeyFingerprint(signer.get());
  if (StringMember(signatureCopy.get(), "key") != result.signer)
    return Fail(result, "the signature names a key other than the one it carries");
  if (StringMember(signatureCopy.get(), "algorithm") != "ed25519" ||
      !VerifySignature(signer.get(), journal.head, StringMember(signatureCopy.get(), "value")))
    return Fail(result, "bad signature");
  if (pinnedPublicKeyPem) {
    EvpPkeyOwner pinned = ParsePublicKey(*pinnedPublicKeyPem);
    if (!pinned) return Fail(result, "the given public key is not an Ed25519 public key in PEM");
    if (PublicKeyFingerprint(pinned.get()) != result.signer)
      return Fail(result, "signed by another key (" + result.signer + ")");
  }
  result.outcome = Outcome::Intact;
  return result;
}

}  // namespace plenum::recorder
