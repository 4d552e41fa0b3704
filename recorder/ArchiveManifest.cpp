#include "recorder/ArchiveManifest.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "recorder/ArchiveJournal.hpp"
#include "recorder/JsonFields.hpp"
#include "recorder/Sha256.hpp"

namespace plenum::recorder {
std::vector<std::string> ArchiveMediaFiles(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& item : fs::recursive_directory_iterator(directory)) {
    if (!item.is_regular_file()) continue;
    const std::string path = fs::relative(item.path(), directory).generic_string();
    if (path == kJournalFile || path == kManifestFile || path == std::string(kManifestFile) + ".tmp") continue;
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string CompactJson(JsonNode* node) {
  JsonGeneratorPtr generator(json_generator_new());
  json_generator_set_root(generator.get(), node);
  gchar* text = json_generator_to_data(generator.get(), nullptr);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

JournalContents ReadJournal(const std::string& directory) {
  JournalContents contents;
  contents.head = kChainStart;
  std::ifstream in(directory + "/" + kJournalFile, std::ios::binary);
  if (!in) {
    contents.problem = std::string("missing ") + kJournalFile;
    return contents;
  }
  std::string line;
  int index = 0;
  while (std::getline(in, line)) {
    const std::string where = std::string(kJournalFile) + " entry " + std::to_string(index);
    JsonParserPtr parser(json_parser_new());
    JsonNode* root = nullptr;
    if (!json_parser_load_from_data(parser.get(), line.data(), static_cast<gssize>(line.size()), nullptr) ||
        !(root = json_parser_get_root(parser.get())) || !JSON_NODE_HOLDS_OBJECT(root)) {
      if (in.eof()) {
        contents.tornTail = true;  // no newline: the last write never finished
      } else {
        contents.problem = where + " is not a JSON object";
      }
      return contents;
    }
    JsonObject* entry = json_node_get_object(root);
    JsonNode* seq = json_object_get_member(entry, "seq");
    if (!seq || !JSON_NODE_HOLDS_VALUE(seq) || json_node_get_value_type(seq) != G_TYPE_INT64 ||
        json_node_get_int(seq) != index) {
      contents.problem = where + " is out of sequence (removed or reordered entries)";
      return contents;
    }
    if (StringMember(entry, "prev") != contents.head) {
      contents.problem = where + " does not chain to the entry before it (edited, removed or reordered)";
      return contents;
    }
    contents.head = Sha256Hex(line);
    contents.validBytes += line.size() + (in.eof() ? 0 : 1);
    contents.entries.emplace_back(json_node_copy(root));
    ++index;
  }
  return contents;
}

JsonNodePtr ManifestFromJournal(const std::vector<JsonNodePtr>& entries, const std::string& head) {
  JsonObjectPtr manifest(json_object_new());
  json_object_set_int_member(manifest.get(), "version", 1);
  std::string recording, room, startedAt, endedAt, state = "recording";
  JsonNode* files = nullptr;
  struct Participant {
    std::string name, joinedAt, leftAt;
  };
  std::vector<std::string> order;
  std::map<std::string, Participant> participants;
  JsonArrayPtr timeline(json_array_new());
  for (const JsonNodePtr& node : entries) {
    JsonObject* entry = json_node_get_object(node.get());
    const std::string type = StringMember(entry, "type");
    const std::string at = StringMember(entry, "at");
    if (type == "recording-started") {
      recording = StringMember(entry, "recording");
      room = StringMember(entry, "room");
      startedAt = at;
    } else if (type == "participant-joined") {
      const std::string id = StringMember(entry, "participant");
      if (!participants.count(id)) order.push_back(id);
      participants[id] = Participant{StringMember(entry, "name"), at, {}};
    } else if (type == "participant-left") {
      auto it = participants.find(StringMember(entry, "participant"));
      if (it != participants.end()) it->second.leftAt = at;
    } else if (type == "sealed") {
      state = StringMember(entry, "state");
      endedAt = at;
      files = json_object_get_member(entry, "files");
    }
    json_array_add_element(timeline.get(), json_node_copy(node.get()));
  }
  json_object_set_string_member(manifest.get(), "recording", recording.c_str());
  json_object_set_string_member(manifest.get(), "room", room.c_str());
  json_object_set_string_member(manifest.get(), "state", state.c_str());
  json_object_set_string_member(manifest.get(), "startedAt", startedAt.c_str());
  if (!endedAt.empty()) json_object_set_string_member(manifest.get(), "endedAt", endedAt.c_str());
  JsonArray* people = json_array_new();
  for (const std::string& id : order) {
    const Participant& p = participants[id];
    JsonObject* person = json_object_new();
    json_object_set_string_member(person, "id", id.c_str());
    json_object_set_string_member(person, "name", p.name.c_str());
    json_object_set_string_member(person, "joinedAt", p.joinedAt.c_str());
    if (!p.leftAt.empty()) json_object_set_string_member(person, "leftAt", p.leftAt.c_str());
    json_array_add_object_element(people, person);
  }
  json_object_set_array_member(manifest.get(), "participants", people);
  json_object_set_member(manifest.get(), "files", files ? json_node_copy(files) : json_node_new(JSON_NODE_NULL));
  json_object_set_array_member(manifest.get(), "timeline", json_array_ref(timeline.get()));
  JsonObject* chain = json_object_new();
  json_object_set_string_member(chain, "journal", kJournalFile);
  json_object_set_int_member(chain, "entries", static_cast<gint64>(entries.size()));
  json_object_set_string_member(chain, "head", head.c_str());
  json_object_set_object_member(manifest.get(), "chain", chain);
  JsonNodePtr root(json_node_new(JSON_NODE_OBJECT));
  json_node_set_object(root.get(), manifest.get());
  return root;
}

}  // namespace plenum::recorder
