// Owners for json-glib references (the archive's JSON), as unique_ptrs with
// the matching unref.
#pragma once

#include <json-glib/json-glib.h>

#include <memory>

namespace plenum::recorder {

struct JsonUnref {
  void operator()(JsonNode* node) const { json_node_unref(node); }
  void operator()(JsonObject* object) const { json_object_unref(object); }
  void operator()(JsonArray* array) const { json_array_unref(array); }
  void operator()(JsonParser* parser) const { g_object_unref(parser); }
  void operator()(JsonGenerator* generator) const { g_object_unref(generator); }
};

using JsonNodePtr = std::unique_ptr<JsonNode, JsonUnref>;
using JsonObjectPtr = std::unique_ptr<JsonObject, JsonUnref>;
using JsonArrayPtr = std::unique_ptr<JsonArray, JsonUnref>;
using JsonParserPtr = std::unique_ptr<JsonParser, JsonUnref>;
using JsonGeneratorPtr = std::unique_ptr<JsonGenerator, JsonUnref>;

}  // namespace plenum::recorder
